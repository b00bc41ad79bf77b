/// A Podero team role this daemon grants. End-users (`user`) are never managed.
package enum Role: String, Hashable, Sendable, CaseIterable, Codable {
    case admin
    case staff
}
