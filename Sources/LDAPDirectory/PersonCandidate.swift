import TeamSyncCore

/// One entry of the people search, decoded but not yet checked against the others.
struct PersonCandidate {
    var dn: DistinguishedName
    var externalID: ExternalID?
    var email: EmailAddress?
    var firstName: String?
    var lastName: String?
    var uid: String?
    /// Why this entry cannot be used on its own, if it cannot.
    var problem: Diagnostic?
}

/// Decodes people entries using attribute names prepared once as C strings.
struct PersonDecoder {
    private let attributes: CStringList
    private let binaryID: Bool
    private let externalIDName: String
    private let emailName: String
    private let readsUID: Bool

    /// The attributes the people search asks for.
    var requestedAttributes: [String] { attributes.pointers.map { String(cString: $0) } }

    init(_ users: UserSearch, readsUID: Bool) {
        var names = [users.externalIDAttribute, users.emailAttribute, users.firstNameAttribute, users.lastNameAttribute]
        if readsUID { names.append(users.uidAttribute) }
        attributes = CStringList(names)
        binaryID = ExternalIDDecoder.isBinaryGUID(users.externalIDAttribute)
        externalIDName = users.externalIDAttribute
        emailName = users.emailAttribute
        self.readsUID = readsUID
    }

    /// Decodes one entry; nil only when the entry has no DN that parses.
    func decode(_ entry: borrowing LDAPEntry) -> PersonCandidate? {
        guard let dn = entry.distinguishedName() else { return nil }
        var candidate = PersonCandidate(dn: dn)
        var idValues = 0
        var decodedID: String?
        idValues = entry.forEachValue(attributes[0]) { bytes in
            if decodedID == nil {
                decodedID = binaryID ? ExternalIDDecoder.guidString(bytes) : ExternalIDDecoder.textID(bytes)
            }
        }
        let mail = entry.firstString(attributes[1])
        candidate.firstName = entry.firstString(attributes[2]).flatMap(Self.name)
        candidate.lastName = entry.firstString(attributes[3]).flatMap(Self.name)
        if readsUID { candidate.uid = entry.firstString(attributes[4])?.trimmingASCIIWhitespace() }
        candidate.externalID = decodedID.map(ExternalID.init)
        candidate.email = mail.flatMap(EmailAddress.init)
        candidate.problem = problem(dn: dn, idValues: idValues, decodedID: decodedID, mail: mail, candidate: candidate)
        return candidate
    }

    private func problem(
        dn: DistinguishedName, idValues: Int, decodedID: String?, mail: String?, candidate: PersonCandidate
    ) -> Diagnostic? {
        if idValues == 0 {
            return Diagnostic(.missingExternalID, entry: dn.normalized, message: "has no \(externalIDName) (the external id); skipped")
        }
        if idValues > 1 {
            return Diagnostic(.invalidExternalID, entry: dn.normalized, message: "has \(idValues) values of \(externalIDName); an external id must be single; skipped")
        }
        if decodedID == nil {
            let expected = binaryID ? "a 16-byte GUID" : "non-empty text"
            return Diagnostic(.invalidExternalID, entry: dn.normalized, message: "\(externalIDName) is not \(expected); skipped")
        }
        if mail == nil {
            return Diagnostic(.missingEmail, entry: dn.normalized, message: "has no \(emailName); skipped")
        }
        if candidate.email == nil {
            return Diagnostic(.invalidEmail, entry: dn.normalized, message: "\(emailName) is not a valid e-mail address; skipped")
        }
        return nil
    }

    private static func name(_ raw: String) -> String? {
        let trimmed = raw.trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension PersonCandidate {
    init(dn: DistinguishedName) {
        self.dn = dn
    }
}
