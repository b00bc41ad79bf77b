import Logging
import Synchronization
import TeamSyncCore

/// The expiry attribute's format as its schema gives it (`expires_format: auto` for an attribute
/// the name does not settle): the server's subschema entry (RFC 4512 4.2, named by the root
/// DSE's `subschemaSubentry`) lists each attribute type with its SYNTAX, inherited through SUP.
/// Generalized Time (1.3.6.1.4.1.1466.115.121.1.24) is `generalized_time`; Active Directory's
/// Large Integer (1.2.840.113556.1.4.906) is a FILETIME, so that its 0 means never. Any other
/// syntax (an INTEGER may be days or a FILETIME) leaves each value to say by its form.
enum SchemaSyntax {
    static let generalizedTime = "1.3.6.1.4.1.1466.115.121.1.24"
    static let largeInteger = "1.2.840.113556.1.4.906"

    /// One process asks the schema once per server and attribute.
    private static let known = Mutex<[String: ExpiryFormat]>([:])

    /// The format the schema gives `attribute`, or `.auto`. A schema the bind account cannot
    /// read is not an error: the values then say by their form.
    static func expiryFormat(of attribute: String, _ connection: LDAPConnection, settings: LDAPSettings, logger: Logger) -> ExpiryFormat {
        let key = settings.url + " " + attribute.lowercased()
        if let format = known.withLock({ $0[key] }) { return format }
        do {
            let definitions = try read(connection, timeout: settings.timeout)
            let format = format(of: attribute, in: definitions)
            known.withLock { $0[key] = format }
            logger.debug("expiry format from the schema", metadata: ["attribute": "\(attribute)", "format": "\(format.rawValue)"])
            return format
        } catch {
            logger.debug("schema not readable; expiry values say their format by their form", metadata: ["error": "\(error)"])
            return .auto
        }
    }

    /// The `attributeTypes` of the server's subschema entry.
    static func read(_ connection: LDAPConnection, timeout: Duration) throws -> [String] {
        let subentryName = CStringList(["subschemaSubentry"])
        var subentry: String?
        try connection.pagedSearch(.entry("", attributes: ["subschemaSubentry"], purpose: "read the root DSE", timeout: timeout)) { entry in
            subentry = entry.firstString(subentryName[0])
        }
        guard let subentry else { return [] }
        let typesName = CStringList(["attributeTypes"])
        var definitions: [String] = []
        try connection.pagedSearch(.entry(subentry, filter: "(objectClass=subschema)", attributes: ["attributeTypes"],
                                          purpose: "read the schema", timeout: timeout)) { entry in
            definitions = entry.strings(typesName[0])
        }
        return definitions
    }

    /// The format `definitions` (RFC 4512 AttributeTypeDescriptions) give `attribute`.
    static func format(of attribute: String, in definitions: [String]) -> ExpiryFormat {
        let types = definitions.compactMap(AttributeType.init)
        var byName: [String: AttributeType] = [:]
        for type in types { for name in type.names { byName[name.lowercased()] = type } }
        var name = attribute.lowercased()
        // SUP chains are short; the bound keeps a looping schema from looping here.
        for _ in 0..<8 {
            guard let type = byName[name] else { return .auto }
            if let syntax = type.syntax {
                switch syntax {
                case generalizedTime: return .generalizedTime
                case largeInteger: return .filetime
                default: return .auto
                }
            }
            guard let parent = type.superior else { return .auto }
            name = parent.lowercased()
        }
        return .auto
    }

    /// The parts of an AttributeTypeDescription that matter here: its names, SYNTAX (without a
    /// length bound) and SUP. OpenLDAP writes `SYNTAX 1.3.6…24`, Active Directory `SYNTAX '1.2.840…906'`.
    struct AttributeType: Equatable {
        var names: [String]
        var syntax: String?
        var superior: String?

        init?(_ description: String) {
            let tokens = Self.tokens(description)
            guard tokens.first == "(" else { return nil }
            names = []
            var index = 1
            func value() -> String? {
                guard index + 1 < tokens.count else { return nil }
                index += 1
                return tokens[index].trimmingQuotes
            }
            while index < tokens.count {
                switch tokens[index].uppercased() {
                case "NAME":
                    if index + 1 < tokens.count, tokens[index + 1] == "(" {
                        index += 2
                        while index < tokens.count, tokens[index] != ")" { names.append(tokens[index].trimmingQuotes); index += 1 }
                    } else if let name = value() {
                        names.append(name)
                    }
                case "SYNTAX":
                    syntax = value().map { String($0.prefix { $0 != "{" }) }
                case "SUP":
                    superior = value()
                default:
                    break
                }
                index += 1
            }
            guard !names.isEmpty else { return nil }
        }

        /// Words, quoted strings (quotes kept) and parentheses.
        static func tokens(_ text: String) -> [String] {
            var tokens: [String] = []
            var current = ""
            var quoted = false
            for character in text {
                if quoted {
                    current.append(character)
                    if character == "'" { quoted = false; tokens.append(current); current = "" }
                } else if character == "'" {
                    if !current.isEmpty { tokens.append(current); current = "" }
                    current = "'"
                    quoted = true
                } else if character == "(" || character == ")" {
                    if !current.isEmpty { tokens.append(current); current = "" }
                    tokens.append(String(character))
                } else if character == " " || character == "\t" || character == "\n" {
                    if !current.isEmpty { tokens.append(current); current = "" }
                } else {
                    current.append(character)
                }
            }
            if !current.isEmpty { tokens.append(current) }
            return tokens
        }
    }
}

extension String {
    fileprivate var trimmingQuotes: String {
        hasPrefix("'") && hasSuffix("'") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
}
