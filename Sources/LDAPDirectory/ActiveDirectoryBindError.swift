import Foundation

/// Active Directory explains a failed bind with a sub-code inside the diagnostic message
/// ("80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v4563").
enum ActiveDirectoryBindError {
    private static let explanations: [String: String] = [
        "525": "the bind account does not exist",
        "52e": "wrong password for the bind account",
        "530": "the bind account may not log on at this time",
        "531": "the bind account may not log on from this workstation",
        "532": "the bind account's password has expired",
        "533": "the bind account is disabled",
        "568": "the bind account has too many security ids",
        "701": "the bind account has expired",
        "773": "the bind account must change its password",
        "775": "the bind account is locked",
    ]

    /// Plain words for the sub-code, or nil when the message carries none.
    static func explain(_ message: String?) -> String? {
        guard let message, let range = message.range(of: "data ") else { return nil }
        let code = message[range.upperBound...].prefix { $0.isHexDigit }.lowercased()
        return explanations[code]
    }
}
