import ArgumentParser
import TeamSyncApp
import TeamSyncCore

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a sync would do and why, writing nothing anywhere.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print one JSON document: {\"actions\": [...], \"diagnostics\": [...], \"summary\": {...}}.") var json = false
    @Flag(help: "Exit 2 when there is anything to do.") var check = false
    @Option(help: ArgumentHelp("Also write the plan to FILE (a new private file) with a digest of what it was made from, for `sync --plan FILE` after review.", valueName: "file"))
    var out: String?

    func run() async throws {
        let environment = try global.environment()
        let preview: SyncCycle.Preview
        do {
            preview = try await environment.preview()
        } catch {
            printError("plan failed: \(error)")
            try finish(.fatal)
        }
        print(json ? PlanRenderer.json(preview)
            : PlanRenderer.table(preview, expiryNotice: environment.configuration.review.expiryNotice))
        if let out {
            do {
                let file = try await environment.writePlanFile(preview, to: out)
                let people = Set(file.departures.map(\.externalID)).count
                printError("plan written to \(out): \(people) people depart (\(file.departures.count) actions); apply them with sync --plan \(out) within sync.plan_max_age (\(DurationText.format(environment.configuration.planMaxAge)))")
            } catch {
                printError("plan --out failed: \(error)")
                try finish(.fatal)
            }
        }
        if check && preview.plan.hasDrift { try finish(.drift) }
    }
}
