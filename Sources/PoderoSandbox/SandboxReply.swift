import Foundation

/// An HTTP answer of the emulator, before it becomes a Hummingbird `Response`.
package struct SandboxReply: Sendable {
    package var status: Int
    package var body: Data?
    package var headers: [(String, String)] = []

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// A JSON body.
    static func json<Value: Encodable>(_ status: Int, _ value: Value) -> SandboxReply {
        SandboxReply(status: status, body: encode(value))
    }

    /// The JSON of `value` as every answer writes it.
    static func encode<Value: Encodable>(_ value: Value) -> Data {
        (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// `{"detail": "..."}`, the API's error shape.
    static func detail(_ status: Int, _ message: String) -> SandboxReply {
        json(status, ["detail": message])
    }

    /// `{"detail": [{"type", "loc", "msg"}]}`, the API's validation error shape (422).
    static func validation(_ problems: [ValidationProblem]) -> SandboxReply {
        json(422, ValidationBody(detail: problems))
    }

    static let unauthorized = detail(401, "Unauthorized")
    static let notFound = detail(404, "Not Found")
    static let noContent = SandboxReply(status: 204, body: nil)

    /// 405 with the methods the path supports.
    static func methodNotAllowed(_ allowed: [String]) -> SandboxReply {
        var reply = detail(405, "Method Not Allowed")
        reply.headers = [("Allow", allowed.joined(separator: ", "))]
        return reply
    }
}

/// One item of a validation error.
struct ValidationProblem: Encodable, Sendable {
    var type: String
    var loc: [String]
    var msg: String

    init(_ type: String, field: String?, _ msg: String) {
        self.type = type
        self.loc = ["body", "payload"] + (field.map { [$0] } ?? [])
        self.msg = msg
    }

    init(_ type: String, location: [String], _ msg: String) {
        self.type = type
        self.loc = location
        self.msg = msg
    }
}

private struct ValidationBody: Encodable {
    var detail: [ValidationProblem]
}
