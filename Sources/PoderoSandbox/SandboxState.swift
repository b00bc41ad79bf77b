import Foundation

/// The organisation's users, with indexes for the uniqueness rules. Not thread-safe on its own:
/// `SandboxStore` guards it.
struct SandboxState {
    private(set) var users: [String: SandboxUser] = [:]
    private(set) var order: [String] = []
    private var byEmail: [String: Set<String>] = [:]
    private var byExternalID: [String: Set<String>] = [:]
    /// Each user's API JSON, rendered when the user changes, so that listing a large
    /// organisation joins bytes instead of encoding 100,000 objects on every request.
    private var rendered: [String: Data] = [:]
    /// The changes since `takeChanges()`, for the state file.
    private var changes: [SandboxStateFile.Change] = []

    /// Users in creation order, soft-deleted ones only when asked.
    func list(includeDeleted: Bool) -> [SandboxUser] {
        order.compactMap { users[$0] }.filter { includeDeleted || !$0.deleted }
    }

    /// Whether `--list-hide` leaves this user out of lists: the same users every time, about
    /// `fraction` of them, chosen by a stable hash of the id.
    static func hidden(_ id: String, fraction: Double) -> Bool {
        guard fraction > 0 else { return false }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Double(hash % 10_000) < fraction * 10_000
    }

    /// The list's JSON body, byte for byte what encoding `list(includeDeleted:)` gives, less
    /// the users `hideFraction` hides.
    func listJSON(includeDeleted: Bool, hideFraction: Double = 0) -> Data {
        var body = Data()
        body.reserveCapacity(rendered.values.reduce(0) { $0 + $1.count + 1 } + 2)
        body.append(UInt8(ascii: "["))
        var first = true
        for id in order {
            guard let user = users[id], includeDeleted || !user.deleted, let json = rendered[id],
                !Self.hidden(id, fraction: hideFraction)
            else { continue }
            if !first { body.append(UInt8(ascii: ",")) }
            first = false
            body.append(json)
        }
        body.append(UInt8(ascii: "]"))
        return body
    }

    /// The live user with this external id, else (when asked) a soft-deleted one.
    func user(externalID: String, includeDeleted: Bool) -> SandboxUser? {
        let candidates = (byExternalID[externalID] ?? []).compactMap { users[$0] }
        return candidates.first { !$0.deleted } ?? (includeDeleted ? candidates.first : nil)
    }

    /// The field ("email" or "external_user_id") that collides with another user, if any.
    func conflict(email: String?, externalID: String?, excluding id: String?, softDeletedBlocks: Bool) -> String? {
        func blocks(_ ids: Set<String>?) -> Bool {
            (ids ?? []).contains { other in
                other != id && (users[other].map { !$0.deleted || softDeletedBlocks } ?? false)
            }
        }
        if let email, blocks(byEmail[email.lowercased()]) { return "email" }
        if let externalID, blocks(byExternalID[externalID]) { return "external_user_id" }
        return nil
    }

    mutating func insert(_ user: SandboxUser) {
        if let old = users[user.id] { unindex(old) } else { order.append(user.id) }
        users[user.id] = user
        rendered[user.id] = SandboxReply.encode(user)
        index(user)
        changes.append(.put(user))
    }

    mutating func replace(_ user: SandboxUser) { insert(user) }

    mutating func remove(id: String) {
        guard let old = users.removeValue(forKey: id) else { return }
        rendered[id] = nil
        unindex(old)
        order.removeAll { $0 == id }
        changes.append(.remove(id))
    }

    mutating func removeAll() {
        self = SandboxState()
        changes = [.reset]
    }

    /// The changes made since the last call, oldest first.
    mutating func takeChanges() -> [SandboxStateFile.Change] {
        defer { changes.removeAll() }
        return changes
    }

    private mutating func index(_ user: SandboxUser) {
        byEmail[user.email.lowercased(), default: []].insert(user.id)
        if let externalID = user.externalUserID { byExternalID[externalID, default: []].insert(user.id) }
    }

    private mutating func unindex(_ user: SandboxUser) {
        byEmail[user.email.lowercased()]?.remove(user.id)
        if let externalID = user.externalUserID { byExternalID[externalID]?.remove(user.id) }
    }
}
