import Foundation
import GRDB

/// The journal's tables, created and upgraded by numbered migrations.
enum JournalSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: managed accounts, runs, intents, audit log, attention, lease") { db in
            try db.create(table: "managed_account") { t in
                t.primaryKey("external_id", .text)
                t.column("podero_id", .text).notNull()
                t.column("email", .text).notNull()
                t.column("role", .text).notNull()
                t.column("state", .text).notNull()
                t.column("first_seen", .double).notNull()
                t.column("departed_since", .double)
                t.column("soft_deleted_at", .double)
                t.column("blocked_since", .double)
                t.column("last_attempt", .double)
                t.column("adopted", .boolean).notNull().defaults(to: false)
                t.column("updated_at", .double).notNull()
            }
            try db.create(index: "managed_account_state", on: "managed_account", columns: ["state"])
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull().unique()
                t.column("command", .text).notNull()
                t.column("dry_run", .boolean).notNull()
                t.column("started_at", .double).notNull()
                t.column("finished_at", .double)
                t.column("outcome", .text)
                t.column("exit_code", .integer)
                t.column("matched_count", .integer)
                t.column("directory_complete", .boolean).notNull().defaults(to: false)
                t.column("counts", .text)
                t.column("detail", .text)
            }
            try db.create(table: "intent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull()
                t.column("action", .text).notNull()
                t.column("external_id", .text)
                t.column("podero_id", .text)
                t.column("email", .text)
                t.column("role", .text)
                t.column("created_at", .double).notNull()
                t.column("completed_at", .double)
                t.column("outcome", .text)
            }
            try db.create(index: "intent_open", on: "intent", columns: ["completed_at"])
            try db.create(table: "audit_log") { t in
                t.primaryKey("seq", .integer)
                t.column("time", .text).notNull()
                t.column("run_id", .text)
                t.column("action", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("external_user_id", .text)
                t.column("podero_user_id", .text)
                t.column("email", .text)
                t.column("role_before", .text)
                t.column("role_after", .text)
                t.column("reason", .text)
                t.column("hash", .text).notNull()
            }
            try db.create(index: "audit_log_time", on: "audit_log", columns: ["time"])
            // The audit log is append-only: the database itself refuses changes and deletions.
            try db.execute(sql: """
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
            try db.create(table: "attention") { t in
                t.column("kind", .text).notNull()
                t.column("key", .text).notNull()
                t.column("external_id", .text)
                t.column("email", .text)
                t.column("detail", .text).notNull()
                t.column("since", .double).notNull()
                t.primaryKey(["kind", "key"])
            }
            try db.create(table: "lease") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("pid", .integer).notNull()
                t.column("process_start", .text).notNull()
                t.column("run_id", .text).notNull()
                t.column("command", .text).notNull()
                t.column("acquired_at", .double).notNull()
            }
        }
        migrator.registerMigration("v2: the account that blocks a restore") { db in
            try db.alter(table: "managed_account") { t in
                t.add(column: "blocked_by", .text)
            }
        }
        migrator.registerMigration("v3: the DN each managed person was last read at") { db in
            try db.alter(table: "managed_account") { t in
                t.add(column: "last_dn", .text)
            }
        }
        migrator.registerMigration("v4: the host and boot of the lease holder") { db in
            try db.alter(table: "lease") { t in
                t.add(column: "host", .text)
                t.add(column: "boot_id", .text)
            }
        }
        migrator.registerMigration("v5: the watch's cookie and state; managed accounts by DN") { db in
            try db.create(table: "watch_state") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("scope", .text)
                t.column("cookie", .blob)
                t.column("mode", .text)
                t.column("connected", .boolean)
                t.column("detail", .text)
                t.column("last_change_at", .double)
                t.column("last_applied_at", .double)
                t.column("lag_seconds", .double)
                t.column("refused", .integer)
                t.column("refused_since", .double)
                t.column("updated_at", .double)
            }
            try db.create(index: "managed_account_last_dn", on: "managed_account", columns: ["last_dn"])
        }
        migrator.registerMigration("v6: the audit log by action and time; managed accounts by state and role") { db in
            // The deletion window counts departures and soft deletes of the last interval and
            // day, and the live accounts, for every watch batch that plans a departure: with
            // these they cost what the window holds, not what the journal holds.
            try db.create(index: "audit_log_action_time", on: "audit_log", columns: ["action", "time"])
            try db.create(index: "managed_account_state_role", on: "managed_account", columns: ["state", "role"])
        }
        migrator.registerMigration("v7: when each managed person's access expires") { db in
            try db.alter(table: "managed_account") { t in
                t.add(column: "expires_at", .double)
            }
        }
        migrator.registerMigration("v8: the journal's own id, named by audit checkpoints") { db in
            // A checkpoint names the journal it was made of, so that a verifier can tell this
            // database from a replacement (a copy keeps the id; a new database has another).
            try db.create(table: "journal_meta") { t in
                t.column("key", .text).primaryKey()
                t.column("value", .text).notNull()
            }
            try db.execute(sql: "INSERT INTO journal_meta (key, value) VALUES ('journal_id', ?)", arguments: [UUID().uuidString.lowercased()])
        }
        migrator.registerMigration("v9: departures held for approval by name") { db in
            try db.create(table: "held_set") { t in
                t.column("id", .text).primaryKey()
                t.column("since", .double).notNull()
                t.column("reason", .text).notNull()
                t.column("run_id", .text)
            }
            try db.create(table: "held_person") { t in
                t.column("set_id", .text).notNull().references("held_set", onDelete: .cascade)
                t.column("external_id", .text).notNull()
                t.column("email", .text).notNull()
                t.column("role", .text).notNull()
                t.column("why", .text).notNull()
                t.column("decision", .text).notNull().defaults(to: "awaiting")
                t.column("decided_by", .text)
                t.column("decided_at", .double)
                t.column("outcome", .text)
                t.column("closed_at", .double)
                t.primaryKey(["set_id", "external_id"])
            }
            try db.create(index: "held_person_open", on: "held_person", columns: ["outcome", "external_id"])
        }
        return migrator
    }
}
