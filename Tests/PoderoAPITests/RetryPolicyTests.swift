import Foundation
import Testing
@testable import PoderoAPI

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("Retry-After as seconds or an HTTP date")
    func retryAfter() {
        #expect(RetryPolicy.parseRetryAfter("3") == .seconds(3))
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // Tue, 14 Nov 2023 22:13:20 GMT
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:25 GMT", now: now) == .seconds(5))
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now: now) == .zero)
        #expect(RetryPolicy.parseRetryAfter("soon") == nil)
        #expect(RetryPolicy.parseRetryAfter(nil) == nil)
    }

    @Test("backoff grows, stays under the cap, and is jittered")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        for attempt in 1...10 {
            let delay = policy.delay(afterAttempt: attempt, retryAfter: nil)
            let ceiling = min(Duration.milliseconds(100) * (1 << (attempt - 1)), .seconds(1))
            #expect(delay <= ceiling)
            #expect(delay >= ceiling / 2 - .milliseconds(1))
        }
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(2)) == .seconds(2))
    }

    @Test("error details never show e-mail addresses")
    func masking() {
        let error = PoderoError(.duplicate(.email), operation: "create", status: 409, detail: "user a@b.example already exists")
        #expect(String(describing: error) == "Podero create failed: the e-mail is already taken in the organisation (HTTP 409): user <email> already exists")
    }
}
