/// The OSC 52 escape sequence that asks the terminal to put text on the system clipboard
/// (xterm's "Manipulate Selection Data"; supported by most terminals and by tmux with
/// `set-clipboard on`).
public enum OSC52 {
    /// `ESC ] 52 ; c ; <base64 of the UTF-8 text> BEL`.
    public static func sequence(_ text: String) -> String {
        "\u{1B}]52;c;" + base64(Array(text.utf8)) + "\u{07}"
    }

    /// Standard base64 (RFC 4648, with padding).
    public static func base64(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(table[Int((v >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out.append(table[Int((v >> 18) & 63)])
            out.append(table[Int((v >> 12) & 63)])
            out.append(rest == 2 ? table[Int((v >> 6) & 63)] : "=")
            out.append("=")
        }
        return out
    }
}
