import ArgumentParser
import TeamSyncApp

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a sync would do and why, writing nothing anywhere.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print one JSON document: {\"actions\": [...], \"diagnostics\": [...], \"summary\": {...}}.") var json = false
    @Flag(help: "Exit 2 when there is anything to do.") var check = false

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
        if check && preview.plan.hasDrift { try finish(.drift) }
    }
}
