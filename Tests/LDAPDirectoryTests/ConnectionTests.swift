import Foundation
import Testing
import TeamSyncCore
@testable import LDAPDirectory

@Suite("Connecting, TLS and binding")
struct ConnectionTests {
    @Test("StartTLS with the right CA")
    func startTLS() async throws {
        let settings = try SlapdFixture.settings {
            $0.startTLS = true
            $0.tlsCAFile = try? SlapdFixture.variable("TEAMSYNC_LDAP_CA")
        }
        #expect(try await SlapdFixture.read(settings).people.count == PagedReadTests.valid)
    }

    @Test("StartTLS with a wrong CA fails clearly")
    func startTLSWrongCA() async throws {
        let settings = try SlapdFixture.settings {
            $0.startTLS = true
            $0.tlsCAFile = try? SlapdFixture.variable("TEAMSYNC_LDAP_WRONG_CA")
        }
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .tls)
        #expect(error.description.contains("tls_ca_file"))
    }

    @Test("LDAPS with the right CA")
    func ldaps() async throws {
        let settings = try SlapdFixture.settings(url: SlapdFixture.variable("TEAMSYNC_LDAPS_URL")) {
            $0.tlsCAFile = try? SlapdFixture.variable("TEAMSYNC_LDAP_CA")
        }
        #expect(try await SlapdFixture.read(settings).people.count == PagedReadTests.valid)
    }

    @Test("LDAPS with a wrong CA fails clearly")
    func ldapsWrongCA() async throws {
        let settings = try SlapdFixture.settings(url: SlapdFixture.variable("TEAMSYNC_LDAPS_URL")) {
            $0.tlsCAFile = try? SlapdFixture.variable("TEAMSYNC_LDAP_WRONG_CA")
        }
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .tls)
        #expect(error.description.contains("tls_ca_file"))
    }

    @Test("LDAPS with verification explicitly off accepts an untrusted certificate")
    func ldapsNoVerify() async throws {
        let settings = try SlapdFixture.settings(url: SlapdFixture.variable("TEAMSYNC_LDAPS_URL")) {
            $0.tlsCAFile = try? SlapdFixture.variable("TEAMSYNC_LDAP_WRONG_CA")
            $0.tlsVerify = false
        }
        #expect(try await SlapdFixture.read(settings).people.count == PagedReadTests.valid)
    }

    @Test("a wrong bind password is a clear error that does not show the password or the DN")
    func wrongPassword() async throws {
        let settings = try SlapdFixture.settings { $0.bindPassword = Secret("wrong-password-123") }
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .bind)
        #expect(error.code == 49)
        #expect(error.description.contains("wrong bind DN or password"))
        #expect(!error.description.contains("wrong-password-123"))
        #expect(!error.description.contains("podero-sync"))
    }

    @Test("an unreachable server is an error within the timeout")
    func unreachable() async throws {
        let port = try ClosedPort.find()
        let settings = try SlapdFixture.settings(url: "ldap://127.0.0.1:\(port)") { $0.timeout = .seconds(2) }
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .connect)
        #expect(clock.now - start < .seconds(3))
    }

    @Test("a server that accepts but never answers times out")
    func silentServer() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let settings = try SlapdFixture.settings(url: "ldap://127.0.0.1:\(silent.port)") { $0.timeout = .seconds(1) }
        let clock = ContinuousClock()
        let start = clock.now
        let error = try await SlapdFixture.failure(settings)
        #expect(error.kind == .timeout)
        #expect(clock.now - start < .seconds(6))  // 1 s timeout; generous for a loaded machine
    }

    @Test("an unsupported URL scheme is refused before any connection")
    func badScheme() async throws {
        let error = try await SlapdFixture.failure(SlapdFixture.settings(url: "http://127.0.0.1:1"))
        #expect(error.kind == .settings)
    }
}
