import CLDAP
import TeamSyncCore

/// A view of one search entry, valid only inside the callback that receives it: the message it
/// reads is freed as soon as the callback returns.
struct LDAPEntry: ~Copyable {
    let handle: OpaquePointer
    let message: OpaquePointer

    /// The entry's DN, normalised; nil when the server sent something that is not a DN.
    /// ldap_get_dn(3): "the memory … should be freed with ldap_memfree".
    func distinguishedName() -> DistinguishedName? {
        guard let raw = ldap_get_dn(handle, message) else { return nil }
        defer { ldap_memfree(raw) }
        let length = strlen(raw)
        return raw.withMemoryRebound(to: UInt8.self, capacity: length) {
            DistinguishedName(utf8: UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// The entry's DN as the server sent it (for reading the entry again).
    func rawDistinguishedName() -> String? {
        guard let raw = ldap_get_dn(handle, message) else { return nil }
        defer { ldap_memfree(raw) }
        return String(cString: raw)
    }

    /// Calls `body` with each value of `attribute` (matched case-insensitively) and returns the
    /// number of values. ldap_get_values(3): free the array with ldap_value_free_len.
    @discardableResult
    func forEachValue(_ attribute: UnsafePointer<CChar>, _ body: (UnsafeRawBufferPointer) -> Void) -> Int {
        guard let values = ldap_get_values_len(handle, message, attribute) else { return 0 }
        defer { ldap_value_free_len(values) }
        var count = 0
        while let value = values[count] {
            body(UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len)))
            count += 1
        }
        return count
    }

    /// The values of `attribute` as UTF-8 text; values that are not valid UTF-8 are left out.
    func strings(_ attribute: UnsafePointer<CChar>) -> [String] {
        var result: [String] = []
        forEachValue(attribute) { bytes in
            if let text = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) {
                result.append(text)
            }
        }
        return result
    }

    /// The first value of `attribute` that is valid UTF-8, without building an array.
    func firstString(_ attribute: UnsafePointer<CChar>) -> String? {
        var result: String?
        forEachValue(attribute) { bytes in
            if result == nil { result = String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) }
        }
        return result
    }

    /// The names of the attributes the entry carries, as the server sent them.
    /// ldap_first_attribute(3): free each name with ldap_memfree and the BerElement with
    /// ber_free(ber, 0).
    func attributeNames() -> [String] {
        var ber: OpaquePointer?
        var names: [String] = []
        var name = ldap_first_attribute(handle, message, &ber)
        while let current = name {
            names.append(String(cString: current))
            ldap_memfree(current)
            name = ldap_next_attribute(handle, message, ber)
        }
        if let ber { ber_free(ber, 0) }
        return names
    }

    /// Every attribute the entry carries, as sent (descriptions with options such as
    /// `member;range=0-1499`), with its UTF-8 values.
    func allStrings() -> [(description: String, values: [String])] {
        attributeNames().map { name in (name, name.withCString { strings($0) }) }
    }
}
