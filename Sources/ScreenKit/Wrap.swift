/// Word wrapping of styled text, so that a fact is wrapped onto the next row instead of cut.
extension Array where Element == Span {
    /// The spans' text laid out in rows of at most `width` columns, breaking after spaces; a word
    /// longer than a row is split. Continuation rows start with `indent` spaces. Styles are kept.
    public func wrapped(to width: Int, indent: Int = 2) -> [[Span]] {
        let total = reduce(0) { $0 + $1.text.count }
        guard total > width, width > indent + 4 else { return [self] }
        // Pieces: runs of non-space characters each followed by the spaces after them.
        var pieces: [(text: String, role: Role, bold: Bool)] = []
        for span in self {
            var current = ""
            var sawSpace = false
            for ch in span.text {
                if ch != " " && sawSpace {
                    pieces.append((current, span.role, span.bold))
                    current = ""
                    sawSpace = false
                }
                current.append(ch)
                if ch == " " { sawSpace = true }
            }
            if !current.isEmpty { pieces.append((current, span.role, span.bold)) }
        }
        var rows: [[Span]] = []
        var row: [Span] = []
        var used = 0
        func append(_ text: String, _ role: Role, _ bold: Bool) {
            if let last = row.last, last.role == role, last.bold == bold {
                row[row.count - 1].text += text
            } else {
                row.append(Span(text, role: role, bold: bold))
            }
            used += text.count
        }
        func newRow() {
            rows.append(row)
            row = [Span(String(repeating: " ", count: indent))]
            used = indent
        }
        for piece in pieces {
            var text = Substring(piece.text)
            // A piece continuing a word (no space before it in the previous span) stays glued only if it fits.
            let visible = text.count - text.reversed().prefix { $0 == " " }.count
            if used > indent || (used > 0 && rows.isEmpty) {
                if used + visible > width { newRow() }
            }
            while used + text.count > width && !text.isEmpty {
                let room = width - used
                let head = text.prefix(Swift.max(1, room))
                // Trailing spaces that overflow are simply dropped.
                if head.allSatisfy({ $0 == " " }) { text = ""; break }
                append(String(head), piece.role, piece.bold)
                text = text.dropFirst(head.count)
                if !text.isEmpty && !text.allSatisfy({ $0 == " " }) { newRow() } else { text = "" }
            }
            if !text.isEmpty { append(String(text), piece.role, piece.bold) }
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }
}
