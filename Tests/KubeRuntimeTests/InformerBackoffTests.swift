//! Unit tests of `ReflectorBackoff`: the 800 ms → 30 s sequence, jitter,
//! the cap, and the reset after two healthy minutes.
import KubeRuntime
import Testing

@Suite("Reflector backoff")
struct InformerBackoffTests {
    private let start = ContinuousClock.now

    /// Delays of `count` failures one second apart, in whole milliseconds.
    private func delays(_ backoff: ReflectorBackoff, random: UInt64, count: Int) -> [Int64] {
        var backoff = backoff
        var source = FixedRandom(value: random)
        return (0..<count).map { step in
            milliseconds(backoff.next(now: start + .seconds(step), using: &source))
        }
    }

    /// A delay in whole milliseconds, rounded.
    private func milliseconds(_ delay: Duration) -> Int64 {
        Int64((Double(delay.components.seconds) * 1000 + Double(delay.components.attoseconds) / 1e15).rounded())
    }

    @Test("the defaults are client-go's: 800 ms, ×2, cap 30 s, jitter 1.0, reset after 120 s")
    func defaults() {
        let backoff = ReflectorBackoff.default
        #expect(backoff.initial == .milliseconds(800))
        #expect(backoff.cap == .seconds(30))
        #expect(backoff.factor == 2)
        #expect(backoff.jitter == 1)
        #expect(backoff.resetAfter == .seconds(120))
    }

    @Test("without jitter the delays double from 800 ms and stop at the 30 s cap")
    func sequence() {
        #expect(delays(.default, random: 0, count: 9) == [800, 1600, 3200, 6400, 12800, 25600, 30000, 30000, 30000])
    }

    @Test("jitter adds its share of the base delay", arguments: [
        (UInt64(1) << 63, [1200, 2400, 4800, 9600, 19200, 38400, 45000]),  // r = 0.5
        (UInt64(1) << 62, [1000, 2000, 4000, 8000, 16000, 32000, 37500]),  // r = 0.25
    ])
    func jitter(random: UInt64, expected: [Int64]) {
        #expect(delays(.default, random: random, count: 7) == expected)
    }

    @Test("the largest jitter stays below twice the capped base")
    func jitterBound() {
        var backoff = ReflectorBackoff.default
        var source = FixedRandom(value: .max)
        let delays = (0..<10).map { backoff.next(now: start + .seconds($0), using: &source) }
        #expect(delays.allSatisfy { $0 < .seconds(60) })
        #expect(delays.last ?? .zero > .milliseconds(59_999))
    }

    @Test("a jitter of zero ignores the random source")
    func noJitter() {
        var backoff = ReflectorBackoff.default
        backoff.jitter = 0
        #expect(delays(backoff, random: .max, count: 3) == [800, 1600, 3200])
    }

    @Test("failures more than two minutes apart start over; closer ones keep growing", arguments: [
        (Duration.seconds(121), Int64(800)),
        (Duration.seconds(119), Int64(6400)),
    ])
    func reset(gap: Duration, expected: Int64) {
        var backoff = ReflectorBackoff.default
        var source = FixedRandom(value: 0)
        _ = backoff.next(now: start, using: &source)
        _ = backoff.next(now: start + .seconds(1), using: &source)
        _ = backoff.next(now: start + .seconds(2), using: &source)
        #expect(milliseconds(backoff.next(now: start + .seconds(2) + gap, using: &source)) == expected)
    }

    @Test("reset() forgets past failures")
    func explicitReset() {
        var backoff = ReflectorBackoff.default
        var source = FixedRandom(value: 0)
        for step in 0..<5 { _ = backoff.next(now: start + .seconds(step), using: &source) }
        backoff.reset()
        #expect(backoff.nextBase == nil)
        #expect(milliseconds(backoff.next(now: start + .seconds(6), using: &source)) == 800)
    }
}
