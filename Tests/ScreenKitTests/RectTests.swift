import Testing
import ScreenKit

@Suite("Rect and layout")
struct RectTests {
    let screen = Rect(x: 0, y: 0, width: 80, height: 24)

    @Test("sizes are never negative")
    func nonNegative() {
        #expect(Rect(x: 0, y: 0, width: -5, height: -1) == Rect(x: 0, y: 0, width: 0, height: 0))
        var r = Rect(x: 1, y: 1, width: 3, height: 3)
        r.width -= 10
        #expect(r.width == 0)
        #expect(Rect(x: 0, y: 0, width: 4, height: 4).inset(by: 3) == Rect(x: 3, y: 3, width: 0, height: 0))
        #expect(Rect(x: 0, y: 0, width: 4, height: 4).inset(by: -2) == Rect(x: 0, y: 0, width: 4, height: 4))
        #expect(Rect(x: Int.max, y: Int.max, width: Int.max, height: 1).maxX == Int.max)
    }

    @Test("inset and intersection")
    func insetIntersection() {
        #expect(screen.inset(by: 1) == Rect(x: 1, y: 1, width: 78, height: 22))
        #expect(screen.inset(top: 1, left: 2, bottom: 3, right: 4) == Rect(x: 2, y: 1, width: 74, height: 20))
        #expect(screen.inset(dx: 2, dy: 1) == Rect(x: 2, y: 1, width: 76, height: 22))
        let a = Rect(x: 0, y: 0, width: 10, height: 10)
        #expect(a.intersection(Rect(x: 5, y: 8, width: 10, height: 10)) == Rect(x: 5, y: 8, width: 5, height: 2))
        #expect(a.intersection(Rect(x: 20, y: 20, width: 5, height: 5)).isEmpty)
        #expect(a.intersection(Rect(x: Int.min, y: Int.min, width: Int.max, height: Int.max)).isEmpty)
        #expect(a.contains(x: 9, y: 0) && !a.contains(x: 10, y: 0) && !a.contains(x: -1, y: 0))
    }

    @Test("carving rows and columns off the edges")
    func carving() {
        let (header, body) = screen.splitTop(1)
        let (main, status) = body.splitBottom(1)
        let (left, right) = main.splitLeft(30)
        #expect(header == Rect(x: 0, y: 0, width: 80, height: 1))
        #expect(status == Rect(x: 0, y: 23, width: 80, height: 1))
        #expect(left == Rect(x: 0, y: 1, width: 30, height: 22))
        #expect(right == Rect(x: 30, y: 1, width: 50, height: 22))
        #expect(screen.splitRight(100).right == screen)
        #expect(screen.splitTop(-4).top.isEmpty)
        #expect(screen.centered(width: 40, height: 10) == Rect(x: 20, y: 7, width: 40, height: 10))
        #expect(screen.centered(width: 200, height: 10).width == 80)
    }

    @Test("columns from fixed, fraction and fill lengths")
    func columns() {
        let parts = screen.splitColumns([.fixed(20), .fraction(0.25), .fill, .fill])
        #expect(parts.map(\.x) == [0, 20, 40, 60])
        #expect(parts.map(\.width) == [20, 20, 20, 20])
        // 30 columns minus two gaps of 2 leaves 26: the odd cells go to the first fills.
        let spaced = Rect(x: 10, y: 0, width: 30, height: 1).splitColumns([.fill, .fill, .fill], spacing: 2)
        #expect(spaced.map(\.x) == [10, 21, 32])
        #expect(spaced.map(\.width) == [9, 9, 8])
    }

    @Test("rows keep fixed sizes first when space is short")
    func rowsShort() {
        let parts = Rect(x: 0, y: 5, width: 10, height: 6).splitRows([.fixed(4), .fraction(0.5), .fixed(4), .fill])
        #expect(parts.map(\.height) == [4, 0, 2, 0])
        #expect(parts.map(\.y) == [5, 9, 9, 11])
        #expect(parts.allSatisfy { $0.y >= 5 && $0.maxY <= 11 })
    }

    @Test("layouts stay inside the parent for any input",
          arguments: [0, 1, 7, 80, Int.max],
          [[Length.fixed(Int.max), .fill], [.fraction(2), .fraction(-1), .fraction(.nan)], [.fill, .fill, .fill],
           [.fixed(-3), .fraction(.infinity)], []])
    func layoutBounds(size: Int, lengths: [Length]) {
        let parent = Rect(x: 3, y: 3, width: size, height: size)
        for spacing in [0, 1, Int.max] {
            let parts = parent.splitColumns(lengths, spacing: spacing) + parent.splitRows(lengths, spacing: spacing)
            #expect(parts.count == lengths.count * 2)
            for part in parts {
                #expect(part.width >= 0 && part.height >= 0)
                #expect(part.x >= parent.x && part.maxX <= parent.maxX)
                #expect(part.y >= parent.y && part.maxY <= parent.maxY)
            }
        }
    }
}
