import ArgumentParser
import Foundation
import TeamSyncApp
import TeamSyncCore

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Why does this person have (or not have) their role? The directory entry, groups, rules, Podero account, journal, next sync and audit trail of one person.",
        discussion: "PERSON is an e-mail, an external id, a uid (the first RDN's value) or a DN. Writes nothing anywhere. Exit 1 when nobody matches or several do (they are listed).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "An e-mail, external id, uid or DN.") var person: String
    @Flag(help: "Print one JSON document.") var json = false

    func run() async throws {
        let material = try await gatherReviewMaterial(global, command: "explain")
        let candidates = Explanation.candidates(person, in: material.inputs)
        guard let candidate = candidates.first else {
            printError("explain: nobody matches \(person) (tried e-mail, external id, uid and DN in the directory, Podero and the journal)")
            try finish(.fatal)
        }
        guard candidates.count == 1 else {
            printError("explain: \(candidates.count) people match \(person); name one of them by external id:")
            for other in candidates.prefix(20) { printError("  \(other.label)") }
            try finish(.fatal)
        }
        var audit: [AuditRecord] = []
        do {
            audit = try await material.journal?.auditRecords(
                externalID: candidate.externalID?.rawValue, poderoIDs: candidate.accounts.map(\.id) + [candidate.managed?.poderoID].compactMap { $0 },
                limit: 20) ?? []
        } catch {
            printError("explain failed: the audit log could not be read: \(error)")
            try finish(.fatal)
        }
        let story = Explanation(query: person, candidate: candidate, inputs: material.inputs, audit: audit)
        print(json ? ExplainRenderer.json(story) : ExplainRenderer.text(story))
    }
}
