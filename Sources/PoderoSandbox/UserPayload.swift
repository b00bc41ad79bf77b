import Foundation

/// A body the API refuses, with the reply that says why.
struct PayloadRejection: Error {
    var reply: SandboxReply
}

/// A create or update body, validated field by field the way the API's framework does it:
/// every problem at once, each with its location.
struct UserPayload {
    /// Field values that were present in the body (JSON null is kept as `.null`).
    var fields: [String: FieldValue] = [:]

    enum FieldValue: Equatable {
        case null
        case text(String)
        case number(Double)
    }

    static let creatableRoles: Set<String> = ["admin", "staff", "user"]
    private static let textFields = ["email", "role", "external_user_id", "first_name", "last_name", "street_and_number", "street_add_info", "town", "country_iso2"]
    private static let nullableFields: Set<String> = ["external_user_id", "first_name", "last_name", "street_and_number", "street_add_info", "town", "country_iso2", "zip_code", "latitude", "longitude"]

    /// Parses and validates. `requireIdentity` is true for creates (email and role required).
    static func parse(_ body: Data, requireIdentity: Bool) -> Result<UserPayload, PayloadRejection> {
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: body) else {
            return .failure(PayloadRejection(reply: .validation([ValidationProblem("model_attributes_type", field: nil, "Input should be a valid dictionary or object to extract fields from")])))
        }
        var payload = UserPayload()
        var problems: [ValidationProblem] = []
        for name in textFields {
            guard let raw = object[name] else { continue }
            switch raw {
            case .null where nullableFields.contains(name): payload.fields[name] = .null
            case .string(let text): payload.fields[name] = .text(text)
            default: problems.append(ValidationProblem("string_type", field: name, "Input should be a valid string"))
            }
        }
        if let raw = object["zip_code"] {
            switch raw {
            case .null: payload.fields["zip_code"] = .null
            case .string(let text): payload.fields["zip_code"] = .text(text)
            case .number(let number) where number == number.rounded() && number.isFinite:
                payload.fields["zip_code"] = .text(String(format: "%.0f", number))
            default: problems.append(ValidationProblem("string_type", field: "zip_code", "Input should be a valid string or integer"))
            }
        }
        for name in ["latitude", "longitude"] {
            guard let raw = object[name] else { continue }
            switch raw {
            case .null: payload.fields[name] = .null
            case .number(let number): payload.fields[name] = .number(number)
            default: problems.append(ValidationProblem("float_type", field: name, "Input should be a valid number"))
            }
        }
        if requireIdentity {
            for name in ["email", "role"] where object[name] == nil {
                problems.append(ValidationProblem("missing", field: name, "Field required"))
            }
        }
        if case .text(let email)? = payload.fields["email"], !isEmail(email) {
            problems.append(ValidationProblem("value_error", field: "email", "value is not a valid email address"))
        }
        if case .text(let role)? = payload.fields["role"], !creatableRoles.contains(role) {
            problems.append(ValidationProblem("enum", field: "role", "Input should be 'admin', 'staff' or 'user'"))
        }
        if case .text(let country)? = payload.fields["country_iso2"], !(2...3).contains(country.count) {
            problems.append(ValidationProblem("string_length", field: "country_iso2", "String should have 2 to 3 characters"))
        }
        return problems.isEmpty ? .success(payload) : .failure(PayloadRejection(reply: .validation(problems)))
    }

    func text(_ name: String) -> String? {
        if case .text(let value)? = fields[name] { return value }
        return nil
    }

    private static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !text.contains(where: \.isWhitespace) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }

    /// Applies the present fields to a user (create or partial update).
    func apply(to user: inout SandboxUser) {
        for (name, value) in fields {
            let text: String? = if case .text(let t) = value { t } else { nil }
            switch name {
            case "email": if let text { user.email = text }
            case "role": if let text { user.role = text }
            case "external_user_id": user.externalUserID = text
            case "first_name": user.firstName = text
            case "last_name": user.lastName = text
            case "street_and_number": user.streetAndNumber = text
            case "street_add_info": user.streetAddInfo = text
            case "town": user.town = text
            case "country_iso2": user.country = text
            case "zip_code": user.zipCode = text
            case "latitude": user.latitude = if case .number(let n) = value { n } else { nil }
            case "longitude": user.longitude = if case .number(let n) = value { n } else { nil }
            default: break
            }
        }
    }
}

/// Any JSON value, decoded strictly: a boolean is never taken for a number or the reverse.
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}
