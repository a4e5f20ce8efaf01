import ArgumentParser
import FlashModel

struct TUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui", abstract: "Open the interactive viewer (the default).")

    @OptionGroup var image: ImageOptions

    func run() throws {
        let o = try image.open()
        writeStdout(TextReport(colour: useColour()).render(o.layout, file: image.file))
    }
}
