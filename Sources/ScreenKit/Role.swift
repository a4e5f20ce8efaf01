/// A semantic style for a cell: what the text *means*, not what colour it is.
///
/// Widgets and panes only ever pick a role; the terminal backend's theme decides how each
/// role looks (colour pair plus attributes), and it always has a monochrome mapping that uses
/// only bold, reverse, underline and dim. This mirrors ncdu's `UI_COLORS` table: one row per
/// semantic colour, one column per theme.
///
/// The raw values are stable and dense (0 ..< `allCases.count`), so a backend can index a
/// lookup table with them.
public enum Role: UInt8, Sendable, CaseIterable {
    /// Ordinary text.
    case normal
    /// De-emphasised text (secondary information, placeholders).
    case dim
    /// Pane and dialog titles.
    case title
    /// Box borders and rules of unfocused panes.
    case border
    /// The highlighted row or cell under the cursor (reverse video).
    case selected
    /// The border of the pane that has keyboard focus.
    case focusBorder
    /// A check that passed (CRC matches, checksum valid).
    case valid
    /// A check that failed (CRC mismatch, bad magic).
    case invalid
    /// Something suspicious but not fatal.
    case warning
    /// Erased flash (runs of 0xFF).
    case erased
    /// Bytes changed in the document but not saved yet.
    case staged
    /// The partition that boots.
    case boot
    /// Application partitions (partition bar, lists).
    case app
    /// Data partitions (NVS, otadata, phy, ...).
    case data
    /// The second-stage bootloader region.
    case bootloader
    /// The partition table region.
    case table
    /// Space not covered by any partition.
    case free
    /// An accent for values the eye should find quickly.
    case accent
    /// The key part of a key hint ("q" in "q Quit").
    case key
    /// Table column headers.
    case header
    /// Prompts and input fields.
    case prompt
    /// Hex pane bytes that belong to the highlighted structure field.
    case structField
    /// A value that changed since the last frame or action.
    case changed
}
