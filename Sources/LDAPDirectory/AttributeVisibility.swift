import TeamSyncCore

/// Which configured attributes at least one entry of the people search showed. A server
/// answers "success" while hiding what the bind account may not read, so an attribute that no
/// entry shows is reported: its decisions (an id, a name, who is disabled) would be made blind.
/// Each attribute is looked for only until the first entry shows it.
struct AttributeVisibility {
    /// A configured attribute: the key that names it and its name.
    struct Watched: Equatable {
        var key: String
        var name: String
    }

    let watched: [Watched]
    private let names: CStringList
    private var unseen: [Int]
    private(set) var entries = 0

    init(users: UserSearch, readsUID: Bool) {
        var watched = [
            Watched(key: "directory.users.external_id_attribute", name: users.externalIDAttribute),
            Watched(key: "directory.users.email_attribute", name: users.emailAttribute),
            Watched(key: "directory.users.first_name_attribute", name: users.firstNameAttribute),
            Watched(key: "directory.users.last_name_attribute", name: users.lastNameAttribute),
        ]
        if readsUID { watched.append(Watched(key: "directory.users.uid_attribute", name: users.uidAttribute)) }
        for name in Self.attributes(inFilter: users.disabledFilter ?? "")
        where !watched.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            watched.append(Watched(key: "directory.users.disabled_filter", name: name))
        }
        self.watched = watched
        names = CStringList(watched.map(\.name))
        unseen = Array(watched.indices)
    }

    /// Attributes the people search must ask for besides the decoder's: those of the disabled filter.
    var filterAttributes: [String] { watched.filter { $0.key == "directory.users.disabled_filter" }.map(\.name) }

    mutating func observe(_ entry: borrowing LDAPEntry) {
        entries += 1
        guard !unseen.isEmpty else { return }
        unseen.removeAll { entry.forEachValue(names[$0]) { _ in } > 0 }
    }

    /// The attributes no entry showed, as warnings (none when the search matched nobody).
    var diagnostics: [Diagnostic] {
        guard entries > 0 else { return [] }
        return unseen.map { index in
            let item = watched[index]
            let consequence = item.key == "directory.users.disabled_filter"
                ? "either nobody is disabled, or the bind account may not read it, and then disabled people look enabled"
                : "the bind account may not be allowed to read it (check the directory's ACLs)"
            return Diagnostic(.attributeUnseen, entry: "\(item.key) \(item.name)",
                message: "none of the \(entries) people shows the attribute \(item.name): \(consequence)")
        }
    }

    /// The attribute descriptions an LDAP filter tests: `(&(a=1)(!(b:1.2.3:=4)))` → a, b.
    static func attributes(inFilter filter: String) -> [String] {
        var result: [String] = []
        let characters = Array(filter)
        var index = 0
        while index < characters.count {
            guard characters[index] == "(" else {
                index += 1
                continue
            }
            index += 1
            while index < characters.count, "&|!( ".contains(characters[index]) { index += 1 }
            var name = ""
            while index < characters.count, !"=~<>:()".contains(characters[index]) {
                name.append(characters[index])
                index += 1
            }
            let trimmed = name.trimmingASCIIWhitespace()
            if !trimmed.isEmpty, !result.contains(where: { $0.lowercased() == trimmed.lowercased() }) { result.append(trimmed) }
        }
        return result
    }
}
