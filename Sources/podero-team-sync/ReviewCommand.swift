import ArgumentParser
import Foundation
import TeamSyncApp

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "The access review: every Podero admin and staff account, why it exists, and what needs a look. Writes nothing but the files asked for.",
        discussion: """
            One row per admin/staff account with its standing (managed, adopted, unmanaged, adoption_candidate, protected,
            departing, expiring, restore_blocked, soft_deleted) and flags (inactive, invitation_pending,
            outside_allowed_domains). End-users are counted, never listed. Thresholds: review.inactive_after (90d),
            review.invitation_stale_after (14d), review.max_admins, review.expiry_notice (14d).
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print one JSON document: {\"accounts\": [...], \"summary\": {...}}.") var json = false
    @Flag(help: "Print CSV (one row per account; formula-like cells get a leading ').") var csv = false
    @Option(help: "Also write a self-contained, printable HTML page to this file (mode 0600).") var html: String?
    @Option(help: "Write the printed form (text, --json or --csv) to this file instead of stdout (mode 0600).") var output: String?
    @Flag(help: "List soft-deleted accounts too.") var includeDeleted = false
    @Flag(help: "Exit 2 when any flag is raised or the admins exceed review.max_admins.") var check = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv exclude each other") }
    }

    func run() async throws {
        let material = try await gatherReviewMaterial(global, command: "review", prepareReview: includeDeleted)
        let review = material.review(includeDeleted: includeDeleted)
        let printed = json ? ReviewRenderer.json(review, material.provenance)
            : csv ? ReviewRenderer.csv(review) : ReviewRenderer.text(review, material.provenance)
        do throws(ReportFile.Problem) {
            if let html { try ReportFile.write(ReviewRenderer.html(review, material.provenance), to: html) }
            if let output { try ReportFile.write(printed.hasSuffix("\n") ? printed : printed + "\n", to: output) }
        } catch {
            printError("review failed: \(error)")
            try finish(.fatal)
        }
        if output == nil {
            if csv { FileHandle.standardOutput.write(Data(printed.utf8)) } else { print(printed) }
        }
        if check && review.needsAction { try finish(.drift) }
    }
}

/// What `review` and `explain` read, or exit 1 saying what failed.
func gatherReviewMaterial(_ global: GlobalOptions, command: String, prepareReview: Bool? = nil) async throws -> ReviewMaterial {
    let environment = try global.environment()
    do {
        return try await environment.gatherReviewMaterial(prepareReview: prepareReview)
    } catch {
        printError("\(command) failed: \(error)")
        try finish(.fatal)
    }
}
