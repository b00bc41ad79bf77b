import Foundation
import HTTPTypes
import Hummingbird

/// What every API call goes through, in order: counting, rate limit (429 + `Retry-After`),
/// latency, faults (5xx before or after the change is made, see `FaultMode`), bearer check;
/// then the hostile answers, when switched on: gzip bombs for GETs, bodies that trickle in.
/// The test-only `/_sandbox/` paths skip all of it.
struct SandboxMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: SandboxStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard !path.hasPrefix(SandboxRoutes.introspectionPrefix) else { return try await next(request, context) }
        let monitor = store.monitor
        let arrived = monitor.begin()
        var status = 500
        defer { monitor.end(method: request.method.rawValue, path: path, status: status, arrived: arrived) }
        if let allowed = SandboxRoutes.allowedMethods(path), !allowed.contains(request.method.rawValue) {
            status = 405
            return SandboxReply.methodNotAllowed(allowed).response
        }
        let options = store.options
        if monitor.overRateLimit(options.rateLimit) {
            status = 429
            return SandboxReply(status: 429, body: Data(#"{"detail":"Too Many Requests"}"#.utf8), headers: [("Retry-After", "1")]).response
        }
        if options.latencyMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(options.latencyMilliseconds))
        }
        let draw = Double.random(in: 0..<1)
        let beforeShare: Double
        switch options.faultMode {
        case .mixed: beforeShare = options.faultRate / 2
        case .before: beforeShare = options.faultRate
        case .after: beforeShare = 0
        }
        if draw < beforeShare {
            monitor.countFault()
            status = [500, 502, 503].randomElement()!
            return SandboxReply.detail(status, "Injected fault (before the request was processed)").response
        }
        if path.hasPrefix("/api/"), !store.isAuthorized(request.headers[.authorization]) {
            status = 401
            return SandboxReply.unauthorized.response
        }
        let isAPI = path.hasPrefix("/api/")
        if let mebibytes = options.gzipBombMiB, isAPI, request.method == .get {
            status = 200
            return HostileAnswers.gzipBomb(mebibytes: mebibytes)
        }
        var response = try await next(request, context)
        if draw < options.faultRate {
            monitor.countFault()
            status = 503
            response = SandboxReply.detail(503, "Injected fault (after the request was processed)").response
        }
        status = Int(response.status.code)
        if let rate = options.slowBodyBytesPerSecond, isAPI { return HostileAnswers.slowly(response, bytesPerSecond: rate) }
        return response
    }
}

extension SandboxReply {
    /// The Hummingbird response, JSON when there is a body.
    var response: Response {
        var fields = HTTPFields()
        if body != nil { fields[.contentType] = "application/json" }
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        let buffer = body.map { ByteBuffer(bytes: $0) }
        return Response(
            status: HTTPResponse.Status(code: status), headers: fields,
            body: buffer.map { ResponseBody(byteBuffer: $0) } ?? ResponseBody())
    }
}
