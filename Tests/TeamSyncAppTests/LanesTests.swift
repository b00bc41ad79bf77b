import Foundation
import Testing
@testable import TeamSyncApp

@Suite("Lanes: slices of a list run on every core, results in order; the report writers' fast paths")
struct LanesTests {
    @Test("slices cover the list exactly, in order, and small lists stay whole")
    func slices() {
        for (total, lanes, minimum) in [(0, 4, 10), (5, 4, 10), (100, 4, 10), (101, 3, 10), (10_000, 2, 4096), (7, 8, 1)] {
            let slices = Lanes.slices(total, lanes: lanes, minimum: minimum)
            #expect(slices.first?.lowerBound == 0 && slices.last?.upperBound == total, "\(total)")
            #expect(zip(slices, slices.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(slices.count <= max(1, lanes) && (slices.count == 1 || slices.allSatisfy { $0.count >= minimum / 2 }))
        }
        #expect(Lanes.slices(100, lanes: 4, minimum: 10).count == 4)
        #expect(Lanes.slices(100, lanes: 4, minimum: 1000).count == 1)
    }

    @Test("map returns each slice's result in slice order; both runs two jobs")
    func map() {
        let numbers = Array(0..<50_000)
        let sums = Lanes.map(Lanes.slices(numbers.count, lanes: 4, minimum: 1000)) { range in numbers[range].reduce(0, +) }
        #expect(sums.count == 4 && sums.reduce(0, +) == numbers.reduce(0, +))
        #expect(sums == sums.indices.map { index in Lanes.slices(numbers.count, lanes: 4, minimum: 1000)[index].reduce(0, +) })
        let (a, b) = Lanes.both({ "first" }, { 2 })
        #expect(a == "first" && b == 2)
    }

    @Test("ByteText writes each cell exactly as the format's escaper does")
    func byteText() {
        let corpus = ["plain@example.com", "", "Zoë Müller 山田", "rule 1 (cn=a → admin)", "a\"b", "back\\slash", "line\nbreak", "tab\tx",
                      "=1+1", "+49", "-x", "@SUM(A1)", "'q", "a,b", "<script>&'\"", "bidi\u{202E}x", "c1\u{85}x", "del\u{7F}", "\u{061C}ar",
                      "\u{200F}rtl", "\u{2066}iso", "ok\u{2192}arrow", "emoji 😀"]
        for text in corpus {
            var json = ByteText(), csv = ByteText(), html = ByteText()
            json.appendJSON(text)
            csv.appendCSV(text)
            html.appendHTML(text)
            #expect(json.string == JSONText.quote(text), "\(text)")
            #expect(csv.string == ReviewRenderer.csvCell(text), "\(text)")
            #expect(html.string == ReviewRenderer.h(text), "\(text)")
            // And h itself, plain or not, against the entities applied to the escaped text.
            let entities = text.escapingControlCharacters.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
            #expect(ReviewRenderer.h(text) == entities, "\(text)")
        }
    }

    @Test("the ASCII wrap cuts where the character wrap cuts")
    func wrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab c@.,/ xyz  -")
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...60, using: &generator)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
            let width = Int.random(in: 1...20, using: &generator)
            #expect(TextTable.wrap(text, width: width) == TextTable.wrapCharacters(text, width: width), "\(text) / \(width)")
        }
    }
}
