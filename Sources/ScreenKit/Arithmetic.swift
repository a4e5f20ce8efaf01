// Saturating integer helpers. Geometry accepts any Int coordinates (negative, Int.min, Int.max)
// and must never trap, so every sum or difference of caller-supplied values goes through these.

/// `a + b`, clamped to `Int.min ... Int.max` instead of trapping on overflow.
@inline(__always)
func saturatingAdd(_ a: Int, _ b: Int) -> Int {
    let (sum, overflow) = a.addingReportingOverflow(b)
    if !overflow { return sum }
    return b > 0 ? Int.max : Int.min
}

/// `a - b`, clamped to `Int.min ... Int.max` instead of trapping on overflow.
@inline(__always)
func saturatingSub(_ a: Int, _ b: Int) -> Int {
    let (difference, overflow) = a.subtractingReportingOverflow(b)
    if !overflow { return difference }
    return b < 0 ? Int.max : Int.min
}

/// `a * b`, clamped to `Int.min ... Int.max` instead of trapping on overflow.
@inline(__always)
func saturatingMul(_ a: Int, _ b: Int) -> Int {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    if !overflow { return product }
    return (a < 0) == (b < 0) ? Int.max : Int.min
}
