import Foundation

/// One user as the emulator stores it: the API's `User` object plus the soft-delete flag that
/// the API itself never shows.
package struct SandboxUser: Codable, Sendable, Equatable {
    package var id: String
    package var organizationID: String
    package var role: String
    package var email: String
    package var externalUserID: String?
    package var firstName: String?
    package var lastName: String?
    package var isOnboarded: Bool?
    package var streetAndNumber: String?
    package var streetAddInfo: String?
    package var zipCode: String?
    package var town: String?
    package var country: String?
    package var latitude: Double?
    package var longitude: Double?
    package var lastLogin: String?
    package var joinedAt: String?
    package var numInverters: Int = 0
    package var numHeatPumps: Int = 0
    package var numElectricVehicles: Int = 0
    package var numWallboxes: Int = 0
    /// Soft-deleted: hidden unless `include_deleted=true`. Not part of the API's object.
    package var deleted: Bool = false

    enum CodingKeys: String, CodingKey {
        case id, role, email, town, country, latitude, longitude, deleted
        case organizationID = "organization_id", externalUserID = "external_user_id"
        case firstName = "first_name", lastName = "last_name", isOnboarded = "is_onboarded"
        case streetAndNumber = "street_and_number", streetAddInfo = "street_add_info", zipCode = "zip_code"
        case lastLogin = "last_login", joinedAt = "joined_at", numInverters = "num_inverters"
        case numHeatPumps = "num_heat_pumps", numElectricVehicles = "num_electric_vehicles"
        case numWallboxes = "num_wallboxes"
    }

    package init(id: String, organizationID: String, role: String, email: String) {
        self.id = id
        self.organizationID = organizationID
        self.role = role
        self.email = email
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? UUID().uuidString.lowercased()
        organizationID = try c.decodeIfPresent(String.self, forKey: .organizationID) ?? ""
        role = try c.decode(String.self, forKey: .role)
        email = try c.decode(String.self, forKey: .email)
        externalUserID = try c.decodeIfPresent(String.self, forKey: .externalUserID)
        firstName = try c.decodeIfPresent(String.self, forKey: .firstName)
        lastName = try c.decodeIfPresent(String.self, forKey: .lastName)
        isOnboarded = try c.decodeIfPresent(Bool.self, forKey: .isOnboarded)
        streetAndNumber = try c.decodeIfPresent(String.self, forKey: .streetAndNumber)
        streetAddInfo = try c.decodeIfPresent(String.self, forKey: .streetAddInfo)
        zipCode = try c.decodeIfPresent(String.self, forKey: .zipCode)
        town = try c.decodeIfPresent(String.self, forKey: .town)
        country = try c.decodeIfPresent(String.self, forKey: .country)
        latitude = try c.decodeIfPresent(Double.self, forKey: .latitude)
        longitude = try c.decodeIfPresent(Double.self, forKey: .longitude)
        lastLogin = try c.decodeIfPresent(String.self, forKey: .lastLogin)
        joinedAt = try c.decodeIfPresent(String.self, forKey: .joinedAt)
        numInverters = try c.decodeIfPresent(Int.self, forKey: .numInverters) ?? 0
        numHeatPumps = try c.decodeIfPresent(Int.self, forKey: .numHeatPumps) ?? 0
        numElectricVehicles = try c.decodeIfPresent(Int.self, forKey: .numElectricVehicles) ?? 0
        numWallboxes = try c.decodeIfPresent(Int.self, forKey: .numWallboxes) ?? 0
        deleted = try c.decodeIfPresent(Bool.self, forKey: .deleted) ?? false
    }

    /// Every key written, absent values as JSON null, as the API does.
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(organizationID, forKey: .organizationID)
        try c.encode(role, forKey: .role)
        try c.encode(email, forKey: .email)
        try c.encode(externalUserID, forKey: .externalUserID)
        try c.encode(firstName, forKey: .firstName)
        try c.encode(lastName, forKey: .lastName)
        try c.encode(isOnboarded, forKey: .isOnboarded)
        try c.encode(streetAndNumber, forKey: .streetAndNumber)
        try c.encode(streetAddInfo, forKey: .streetAddInfo)
        try c.encode(zipCode, forKey: .zipCode)
        try c.encode(town, forKey: .town)
        try c.encode(country, forKey: .country)
        try c.encode(latitude, forKey: .latitude)
        try c.encode(longitude, forKey: .longitude)
        try c.encode(lastLogin, forKey: .lastLogin)
        try c.encode(joinedAt, forKey: .joinedAt)
        try c.encode(numInverters, forKey: .numInverters)
        try c.encode(numHeatPumps, forKey: .numHeatPumps)
        try c.encode(numElectricVehicles, forKey: .numElectricVehicles)
        try c.encode(numWallboxes, forKey: .numWallboxes)
        if encoder.userInfo[SandboxUser.includeDeletedFlag] as? Bool == true {
            try c.encode(deleted, forKey: .deleted)
        }
    }

    /// Encoder user-info key: write the internal `deleted` flag too (state file, state dump).
    package static let includeDeletedFlag = CodingUserInfoKey(rawValue: "includeDeletedFlag")!
}
