import Foundation
import TeamSyncCore

/// One entry of the people search, decoded but not yet checked against the others: either a
/// usable person, or an entry skipped with its diagnostic.
struct PersonCandidate {
    var dn: DistinguishedName
    /// The `uid_attribute` value, for memberUid groups.
    var uid: String?
    var content: Content

    enum Content {
        case valid(ValidPerson)
        case skipped(SkippedEntry)
    }

    /// The parts of an entry that passed every check on its own.
    struct ValidPerson {
        var externalID: ExternalID
        var email: EmailAddress
        var firstName: String?
        var lastName: String?
        var expiresAt: Date?
    }

    /// The valid person, if the entry is one.
    var valid: ValidPerson? {
        if case .valid(let person) = content { return person }
        return nil
    }
}

/// Decodes people entries using attribute names prepared once as C strings.
struct PersonDecoder {
    private let attributes: CStringList
    private let binaryID: Bool
    private let externalIDName: String
    private let emailName: String
    private let firstNameName: String
    private let lastNameName: String
    private let readsUID: Bool
    /// Index of the expiry attribute in `attributes`, and its name and format.
    private let expiry: (index: Int, name: String, format: ExpiryFormat)?

    /// The attributes the people search asks for.
    var requestedAttributes: [String] { attributes.pointers.map { String(cString: $0) } }

    init(_ users: UserSearch, readsUID: Bool) {
        var names = [users.externalIDAttribute, users.emailAttribute, users.firstNameAttribute, users.lastNameAttribute]
        if readsUID { names.append(users.uidAttribute) }
        if let name = users.expiresAttribute {
            expiry = (names.count, name, users.expiresFormat.resolved(for: name))
            names.append(name)
        } else {
            expiry = nil
        }
        attributes = CStringList(names)
        binaryID = ExternalIDDecoder.isBinaryGUID(users.externalIDAttribute)
        externalIDName = users.externalIDAttribute
        emailName = users.emailAttribute
        firstNameName = users.firstNameAttribute
        lastNameName = users.lastNameAttribute
        self.readsUID = readsUID
    }

    /// Decodes one entry; nil only when the entry has no DN that parses.
    func decode(_ entry: borrowing LDAPEntry) -> PersonCandidate? {
        guard let dn = entry.distinguishedName() else { return nil }
        var idValues = 0
        var decodedID: String?
        idValues = entry.forEachValue(attributes[0]) { bytes in
            if decodedID == nil {
                decodedID = binaryID ? ExternalIDDecoder.guidString(bytes) : ExternalIDDecoder.textID(bytes)
            }
        }
        let mail = entry.firstString(attributes[1])
        let uid = readsUID ? entry.firstString(attributes[4])?.trimmingASCIIWhitespace() : nil
        switch validate(dn: dn, idValues: idValues, decodedID: decodedID, mail: mail) {
        case .skipped(let problem):
            let skipped = SkippedEntry(
                dn: dn, externalID: decodedID.map(ExternalID.init), email: mail.flatMap(EmailAddress.init), diagnostic: problem)
            return PersonCandidate(dn: dn, uid: uid, content: .skipped(skipped))
        case .usable(let externalID, let email):
            let firstName = entry.firstString(attributes[2]).flatMap(Self.name)
            let lastName = entry.firstString(attributes[3]).flatMap(Self.name)
            for (attribute, name) in [(firstNameName, firstName), (lastNameName, lastName)] {
                guard let name, let problem = Self.nameProblem(name) else { continue }
                let skipped = SkippedEntry(dn: dn, externalID: externalID, email: email,
                    diagnostic: Diagnostic(.invalidName, entry: dn.normalized, message: "\(attribute) \(problem); skipped"))
                return PersonCandidate(dn: dn, uid: uid, content: .skipped(skipped))
            }
            var expiresAt: Date?
            if let expiry, let raw = entry.firstString(attributes[expiry.index]) {
                switch ExpiryDecoder.decode(raw, format: expiry.format) {
                case .success(let date): expiresAt = date
                case .failure(.invalid(let why)):
                    let skipped = SkippedEntry(dn: dn, externalID: externalID, email: email,
                        diagnostic: Diagnostic(.invalidExpiry, entry: dn.normalized,
                            message: "\(expiry.name) \(why) (directory.users.expires_format: \(expiry.format.rawValue)); skipped"))
                    return PersonCandidate(dn: dn, uid: uid, content: .skipped(skipped))
                }
            }
            let person = PersonCandidate.ValidPerson(
                externalID: externalID, email: email, firstName: firstName, lastName: lastName, expiresAt: expiresAt)
            return PersonCandidate(dn: dn, uid: uid, content: .valid(person))
        }
    }

    /// What `validate` found.
    private enum Validation {
        case usable(ExternalID, EmailAddress)
        case skipped(Diagnostic)
    }

    /// The external id and e-mail of an entry, or why it cannot be used.
    private func validate(
        dn: DistinguishedName, idValues: Int, decodedID: String?, mail: String?
    ) -> Validation {
        if idValues == 0 {
            return .skipped(Diagnostic(.missingExternalID, entry: dn.normalized, message: "has no \(externalIDName) (the external id); skipped"))
        }
        if idValues > 1 {
            return .skipped(Diagnostic(.invalidExternalID, entry: dn.normalized, message: "has \(idValues) values of \(externalIDName); an external id must be single; skipped"))
        }
        guard let decodedID else {
            let expected = binaryID ? "a 16-byte GUID" : "non-empty text"
            return .skipped(Diagnostic(.invalidExternalID, entry: dn.normalized, message: "\(externalIDName) is not \(expected); skipped"))
        }
        guard let mail else {
            return .skipped(Diagnostic(.missingEmail, entry: dn.normalized, message: "has no \(emailName); skipped"))
        }
        guard let email = EmailAddress(mail) else {
            return .skipped(Diagnostic(.invalidEmail, entry: dn.normalized, message: "\(emailName) is not a valid e-mail address; skipped"))
        }
        return .usable(ExternalID(decodedID), email)
    }

    /// The longest name sent to Podero, in characters.
    static let nameLimit = 256

    /// Why a name cannot be sent to Podero, or nil: a control character (NUL, ESC, a newline,
    /// DEL, C1) would reach every screen that shows it; a huge one fails every run.
    static func nameProblem(_ name: String) -> String? {
        if let bad = name.unicodeScalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "contains a control character (U+\(String(format: "%04X", bad.value)))"
        }
        if name.count > nameLimit { return "is longer than \(nameLimit) characters (\(name.count))" }
        return nil
    }

    private static func name(_ raw: String) -> String? {
        let trimmed = raw.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}
