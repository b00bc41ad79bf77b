import TeamSyncCore

/// The fields of the API's `User` object that the daemon reads; every other field is ignored.
struct APIUser: Decodable {
    var id: String
    var role: String
    var email: String
    var externalUserID: String?
    var firstName: String?
    var lastName: String?
    var lastLogin: String?
    var joinedAt: String?
    var isOnboarded: Bool?

    enum CodingKeys: String, CodingKey {
        case id, role, email
        case externalUserID = "external_user_id", firstName = "first_name", lastName = "last_name"
        case lastLogin = "last_login", joinedAt = "joined_at", isOnboarded = "is_onboarded"
    }

    func account(softDeleted: Bool = false) -> RemoteAccount {
        var account = RemoteAccount(
            id: id, role: RemoteAccount.Role(apiValue: role), email: email,
            externalID: externalUserID.flatMap { $0.isEmpty ? nil : ExternalID($0) },
            firstName: firstName, lastName: lastName, isSoftDeleted: softDeleted)
        account.activity = RemoteAccount.Activity(lastLogin: lastLogin, joinedAt: joinedAt, isOnboarded: isOnboarded)
        return account
    }
}

/// The body of a create: absent names are sent as JSON null.
struct CreateBody: Encodable {
    var role: String
    var email: String
    var firstName: String?
    var lastName: String?
    var externalUserID: String

    enum CodingKeys: String, CodingKey {
        case role, email
        case firstName = "first_name", lastName = "last_name", externalUserID = "external_user_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(email, forKey: .email)
        try container.encode(firstName, forKey: .firstName)
        try container.encode(lastName, forKey: .lastName)
        try container.encode(externalUserID, forKey: .externalUserID)
    }
}

/// The body of a partial update: only the changed fields.
struct UpdateBody: Encodable {
    var changes: AccountChanges

    enum CodingKeys: String, CodingKey {
        case role, email
        case firstName = "first_name", lastName = "last_name", externalUserID = "external_user_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let role = changes.role { try container.encode(role.rawValue, forKey: .role) }
        if let email = changes.email { try container.encode(email, forKey: .email) }
        if let firstName = changes.firstName { try container.encode(firstName, forKey: .firstName) }
        if let lastName = changes.lastName { try container.encode(lastName, forKey: .lastName) }
        if let externalID = changes.externalID { try container.encode(externalID.rawValue, forKey: .externalUserID) }
    }
}

/// `{"access_token", "expires_in", …}` from `/oauth2/token/`.
struct TokenResponse: Decodable {
    var accessToken: String
    var expiresIn: Int?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", expiresIn = "expires_in"
    }
}
