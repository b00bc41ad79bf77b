import Testing
import TeamSyncCore
@testable import TeamSyncApp

@Suite("Watchdog: pings only while the loop is alive")
struct WatchdogPingerTests {
    @Test("idle is alive; busy work is alive only with a beat within half the interval; the silence is said once")
    func pings() {
        let start = ContinuousClock.now
        let heartbeat = Heartbeat(now: start)
        let pinger = WatchdogPinger(interval: .seconds(8), heartbeat: heartbeat)
        #expect(pinger.periodMilliseconds == 2_000)
        #expect(pinger.tick(now: start + .seconds(60)) == .ping)  // idle for a long time: waiting for the next cycle
        heartbeat.begin(now: start + .seconds(60))
        #expect(pinger.tick(now: start + .seconds(63)) == .ping)
        #expect(pinger.tick(now: start + .seconds(64)) == .ping)  // exactly half the interval
        #expect(pinger.tick(now: start + .seconds(64) + .milliseconds(1)) == .silent(firstTime: true))
        #expect(pinger.tick(now: start + .seconds(70)) == .silent(firstTime: false))
        heartbeat.beat(now: start + .seconds(71))  // a page read
        #expect(pinger.tick(now: start + .seconds(72)) == .ping)
        #expect(pinger.tick(now: start + .seconds(80)) == .silent(firstTime: true))
        heartbeat.end(now: start + .seconds(90))
        #expect(pinger.tick(now: start + .seconds(200)) == .ping)
        #expect(WatchdogPinger(interval: .milliseconds(200), heartbeat: heartbeat).periodMilliseconds == 100)
    }

    @Test("nested busy work (a watch batch inside the gate, a cycle) is idle only when all of it ended")
    func nested() async {
        let start = ContinuousClock.now
        let heartbeat = Heartbeat(now: start)
        heartbeat.begin(now: start)
        heartbeat.begin(now: start)
        heartbeat.end(now: start)
        #expect(!heartbeat.isAlive(within: .seconds(1), now: start + .seconds(2)))
        heartbeat.end(now: start)
        heartbeat.end(now: start)  // an extra end never makes it negative
        #expect(heartbeat.isAlive(within: .seconds(1), now: start + .seconds(2)))
        heartbeat.begin(now: start + .seconds(2))
        #expect(!heartbeat.isAlive(within: .seconds(1), now: start + .seconds(4)))
        let value = await heartbeat.busy { 7 }
        #expect(value == 7)
        #expect(!heartbeat.isAlive(within: .seconds(1), now: .now + .seconds(5)))  // the begin above is still open
    }
}
