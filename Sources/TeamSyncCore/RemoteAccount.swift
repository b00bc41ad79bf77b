import Foundation

/// A Podero user as the Partner API returns it, reduced to what the daemon needs.
package struct RemoteAccount: Hashable, Sendable {
    /// Podero's role names; anything else is kept as `.other` and never touched.
    package enum Role: Hashable, Sendable {
        case admin
        case staff
        case user
        case guest
        case other(String)

        /// Maps the API's text.
        package init(apiValue: String) {
            switch apiValue {
            case "admin": self = .admin
            case "staff": self = .staff
            case "user": self = .user
            case "guest": self = .guest
            default: self = .other(apiValue)
            }
        }

        /// The API's text.
        package var apiValue: String {
            switch self {
            case .admin: "admin"
            case .staff: "staff"
            case .user: "user"
            case .guest: "guest"
            case .other(let value): value
            }
        }

        /// The team role this is, if it is one the daemon manages.
        package var teamRole: TeamSyncCore.Role? {
            switch self {
            case .admin: .admin
            case .staff: .staff
            default: nil
            }
        }
    }

    /// Podero's user id (a UUID string).
    package var id: String
    /// The account's role.
    package var role: Role
    /// The account's e-mail as Podero stores it.
    package var email: String
    /// The partner's id for the person, if set.
    package var externalID: ExternalID?
    /// Given name, if set.
    package var firstName: String?
    /// Family name, if set.
    package var lastName: String?
    /// True when the account was soft-deleted (it shows up only with `include_deleted=true`).
    package var isSoftDeleted: Bool
    /// What Podero says of the person's use of the account (read for `review` and `explain`).
    package var activity = Activity()

    /// `last_login`, `joined_at` and `is_onboarded` as the API sent them; timestamps stay text
    /// until a review reads them (`Activity.lastLoginDate`).
    package struct Activity: Hashable, Sendable {
        package var lastLogin: String?
        package var joinedAt: String?
        package var isOnboarded: Bool?

        package init(lastLogin: String? = nil, joinedAt: String? = nil, isOnboarded: Bool? = nil) {
            self.lastLogin = lastLogin
            self.joinedAt = joinedAt
            self.isOnboarded = isOnboarded
        }

        /// `last_login` as a date; nil when absent or not RFC 3339.
        package var lastLoginDate: Date? { lastLogin.flatMap(RFC3339.parse) }
        /// `joined_at` as a date; nil when absent or not RFC 3339.
        package var joinedAtDate: Date? { joinedAt.flatMap(RFC3339.parse) }
    }

    /// Creates an account.
    package init(
        id: String, role: Role, email: String, externalID: ExternalID? = nil, firstName: String? = nil,
        lastName: String? = nil, isSoftDeleted: Bool = false
    ) {
        self.id = id
        self.role = role
        self.email = email
        self.externalID = externalID
        self.firstName = firstName
        self.lastName = lastName
        self.isSoftDeleted = isSoftDeleted
    }
}

/// What a create sends.
package struct NewAccount: Hashable, Sendable {
    package var role: Role
    package var email: String
    package var firstName: String?
    package var lastName: String?
    package var externalID: ExternalID

    /// Creates the request value.
    package init(role: Role, email: String, firstName: String?, lastName: String?, externalID: ExternalID) {
        self.role = role
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.externalID = externalID
    }
}

/// A partial update: only the fields that are set are sent.
package struct AccountChanges: Hashable, Sendable {
    package var role: Role?
    package var email: String?
    /// `.some(nil)` clears the name; nil leaves it alone.
    package var firstName: String??
    /// `.some(nil)` clears the name; nil leaves it alone.
    package var lastName: String??
    package var externalID: ExternalID?

    /// Creates a change set.
    package init(role: Role? = nil, email: String? = nil, firstName: String?? = nil, lastName: String?? = nil, externalID: ExternalID? = nil) {
        self.role = role
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.externalID = externalID
    }

    /// True when nothing would be sent.
    package var isEmpty: Bool {
        role == nil && email == nil && firstName == nil && lastName == nil && externalID == nil
    }

    /// The names of the fields that are sent, in the API's spelling, for reasons and logs.
    package var fieldNames: [String] {
        var names: [String] = []
        if role != nil { names.append("role") }
        if email != nil { names.append("email") }
        if firstName != nil { names.append("first_name") }
        if lastName != nil { names.append("last_name") }
        if externalID != nil { names.append("external_user_id") }
        return names
    }
}
