import Crypto
import Foundation
import SyncJournal
import TeamSyncCore

/// `plan --out FILE` for change-managed shops: the plan, and the departures it lists with what
/// they were planned from (the configuration file's digest, the organisation, the journal, the
/// time). `sync --plan FILE` applies exactly those departures that are still due — nothing else
/// destructive — and refuses a file from another configuration, organisation or journal, one
/// older than `sync.plan_max_age`, or one edited since it was written.
package struct PlanFile: Sendable, Equatable {
    static let format = "podero-team-sync plan 1"
    static let sizeLimit = 64 * 1024 * 1024

    /// One departure the file lists.
    package struct Departure: Sendable, Equatable {
        package var kind: String
        package var externalID: String
        package var poderoID: String
        package var email: String
        package var role: String
        package var why: String
    }

    package var madeAt: Date
    package var configurationPath: String
    package var configurationDigest: String
    package var orgID: String
    package var journalID: String
    package var departures: [Departure]

    /// The file of a preview.
    package init(preview: SyncCycle.Preview, configuration: AppConfiguration, journalID: String, now: Date = Date()) {
        madeAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        configurationPath = configuration.sourcePath
        configurationDigest = configuration.sourceDigest
        orgID = configuration.podero.orgID
        self.journalID = journalID
        departures = preview.plan.actions.filter { $0.kind.isDeparture }.map { action in
            Departure(kind: action.kind.rawValue, externalID: action.person.rawValue, poderoID: action.poderoID ?? "", email: action.email,
                role: action.roleBefore?.rawValue ?? "", why: action.reason)
        }
    }

    init(madeAt: Date, configurationPath: String, configurationDigest: String, orgID: String, journalID: String, departures: [Departure]) {
        self.madeAt = madeAt
        self.configurationPath = configurationPath
        self.configurationDigest = configurationDigest
        self.orgID = orgID
        self.journalID = journalID
        self.departures = departures
    }

    /// SHA-256 over the fields `sync --plan` acts on, one per line, tab-separated for each
    /// departure (edits to the file show; the plan part is there for the reader).
    var digest: String {
        var text = [Self.format, AuditTime.format(madeAt), configurationDigest, orgID, journalID].joined(separator: "\n") + "\n"
        for departure in departures {
            text += [departure.kind, departure.externalID, departure.poderoID, departure.email, departure.role, departure.why]
                .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\t") + "\n"
        }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The file's JSON: these fields, the digest, and the whole plan (`plan --json`) for review.
    package func render(_ preview: SyncCycle.Preview) -> String {
        let departures = self.departures.map { departure -> JSONText.Value in
            .object([("kind", .string(departure.kind)), ("external_user_id", .string(departure.externalID)),
                     ("podero_user_id", .string(departure.poderoID)), ("email", .string(departure.email)),
                     ("role", .string(departure.role)), ("why", .string(departure.why))])
        }
        let head = JSONText.render(.object([
            ("format", .string(Self.format)), ("made_at", .string(AuditTime.format(madeAt))),
            ("configuration", .string(configurationPath)), ("configuration_digest", .string(configurationDigest)),
            ("org_id", .string(orgID)), ("journal_id", .string(journalID)), ("departures", .array(departures)), ("digest", .string(digest)),
        ]))
        // The plan as `plan --json` prints it, spliced in as the last field.
        var body = String(head.dropLast())
        while body.last?.isWhitespace == true { body.removeLast() }
        return body + ",\n  \"plan\": " + PlanRenderer.json(preview) + "\n}\n"
    }

    /// A problem with a plan file, naming it.
    package struct Refusal: Error, CustomStringConvertible {
        package var description: String
    }

    /// Reads and checks `path` (a regular file of at most 64 MiB whose digest holds).
    package static func load(path: String) throws(Refusal) -> PlanFile {
        let data: Data
        do throws(BoundedFile.Refusal) {
            data = try BoundedFile(path: path, limit: sizeLimit).read().data
        } catch {
            throw Refusal(description: "--plan \(path) \(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Refusal(description: "--plan \(path) is not a plan file (plan --out writes one): not a JSON object")
        }
        func text(_ key: String, in object: [String: Any] = object) throws(Refusal) -> String {
            guard let value = object[key] as? String else { throw Refusal(description: "--plan \(path): the field \(key) is missing or not text") }
            return value
        }
        guard try text("format") == format else {
            throw Refusal(description: "--plan \(path) is not a plan file of this version (format must be \"\(format)\")")
        }
        guard let madeAt = AuditTime.parse(try text("made_at")) else { throw Refusal(description: "--plan \(path): made_at is not an RFC 3339 time") }
        guard let items = object["departures"] as? [[String: Any]] else { throw Refusal(description: "--plan \(path): departures is missing") }
        var departures: [Departure] = []
        for item in items {
            departures.append(Departure(kind: try text("kind", in: item), externalID: try text("external_user_id", in: item),
                poderoID: try text("podero_user_id", in: item), email: try text("email", in: item), role: try text("role", in: item),
                why: try text("why", in: item)))
        }
        let file = PlanFile(madeAt: madeAt, configurationPath: try text("configuration"), configurationDigest: try text("configuration_digest"),
            orgID: try text("org_id"), journalID: try text("journal_id"), departures: departures)
        guard try text("digest") == file.digest else {
            throw Refusal(description: "--plan \(path) was changed after plan --out wrote it (its digest does not match); make a new one")
        }
        return file
    }

    /// Refuses a file this deployment did not make, or one too old.
    package func check(configuration: AppConfiguration, journalID: String?, now: Date = Date()) throws(Refusal) {
        if configurationDigest != configuration.sourceDigest {
            throw Refusal(description: "the plan file was made from another configuration (\(configurationPath), digest \(configurationDigest.prefix(12))…; this one is \(configuration.sourcePath), \(configuration.sourceDigest.prefix(12))…); make a new one with plan --out")
        }
        if orgID != configuration.podero.orgID {
            throw Refusal(description: "the plan file is for another organisation (\(orgID), this configuration's podero.org_id is \(configuration.podero.orgID))")
        }
        if journalID != self.journalID {
            throw Refusal(description: "the plan file was made against another journal (\(self.journalID)); make a new one with plan --out")
        }
        let age = now.timeIntervalSince(madeAt)
        if age > configuration.planMaxAge.timeInterval {
            throw Refusal(description: "the plan file was made at \(AuditTime.format(madeAt)), more than sync.plan_max_age (\(DurationText.format(configuration.planMaxAge))) ago; make a new one with plan --out")
        }
        if age < -300 { throw Refusal(description: "the plan file's made_at (\(AuditTime.format(madeAt))) is in the future") }
    }

    /// What `sync --plan` lets go: each listed person, by the Podero account planned.
    package var listed: ListedDepartures {
        ListedDepartures(accounts: Dictionary(departures.map { (ExternalID($0.externalID), $0.poderoID) }, uniquingKeysWith: { first, _ in first }),
            note: "listed in the plan file made at \(AuditTime.format(madeAt))")
    }
}

/// The departures of a plan file: only these may go in this run, each only if its person is
/// still due to depart with the same Podero account.
package struct ListedDepartures: Sendable, Equatable {
    package var accounts: [ExternalID: String]
    package var note: String
}
