import Testing
import FlashFormats
@testable import FlashModel

/// Reading esptool's output, and the refusals of `flashscope flash`.
@Suite struct DeviceFlashTests {
    @Test func deviceInfoFromFlashID() {
        let v5 = ["Detecting chip type... ESP32-C3", "Connected to ESP32-C3 on /dev/ttyUSB0:", "Chip type:          ESP32-C3 (QFN32) (revision v0.4)",
                  "Manufacturer: 20", "Device: 4016", "Detected flash size: 4MB"]
        #expect(EsptoolOutput.deviceInfo(v5) == DeviceInfo(chipName: "ESP32-C3", flashSize: 4 << 20))
        #expect(EsptoolOutput.deviceInfo(v5).chip == .esp32c3)
        let v4 = ["Detecting chip type... Unsupported detection protocol, switching and trying again...",
                  "Connected to ESP32 on /dev/ttyUSB0:", "Detected flash size: 16MB"]
        // "Unsupported" is not a chip: the "Connected to" line names it.
        #expect(EsptoolOutput.deviceInfo(v4) == DeviceInfo(chipName: "ESP32", flashSize: 16 << 20))
        #expect(EsptoolOutput.deviceInfo(["Detected flash size: Unknown"]).flashSize == nil)
        #expect(EsptoolOutput.sizeValue("512KB") == 512 << 10 && EsptoolOutput.sizeName(2 << 20) == "2MB")
    }

    @Test func progressLines() {
        #expect(EsptoolOutput.progress("Reading from 0x0003d000 ━━━━━━━━╸   95.3% 244.00kB/256.00kB [31s] ") == 0.953)
        #expect(EsptoolOutput.progress("Writing at 0x00010000... (14 %)") == 0.14)
        #expect(EsptoolOutput.progress("Writing at 0x00400000 ━━━━━━━━ 100.0% 107.40kB/107.40kB [2s] ") == 1.0)
        #expect(EsptoolOutput.progress("Wrote 4096 bytes (42 compressed) at 0x0000e000 in 0.0 seconds") == nil)
        #expect(EsptoolOutput.progress("Compressed 4096 bytes to 42...") == nil)
    }

    @Test func verifyFailuresNameTheRegions() {
        let lines = ["Verifying 0x1000 (4096) bytes at 0x0000e000 in flash against 'n.bin'...", "Verification failed (digest mismatch).",
                     "Verifying 0x1000 (4096) bytes at 0x0000d000 in flash against 'o.bin'...", "Verification successful (digest matched).",
                     "Verifying 0xb000 (45056) bytes @ 0x00120000 in flash against o2.bin...", "-- verify FAILED (digest mismatch)"]
        #expect(EsptoolOutput.verifyFailures(lines) == [0xE000, 0x120000])
        #expect(EsptoolOutput.failure(["Connecting...", "A fatal error occurred: Failed to connect to ESP32: No serial data received."])
                == "A fatal error occurred: Failed to connect to ESP32: No serial data received.")
    }

    @Test func planWritesOnlyChangedSectorsAndNamesRefusals() throws {
        let original = SampleImages.all().first { $0.name == "ota1-active.bin" }!.bytes
        var edited = original
        edited[0xE000] = 0x07
        edited[0x110005] ^= 0xFF
        edited[0x111000] ^= 0xFF
        let layout = try FlashLayout.analyze(ByteArray(edited))
        let plan = FlashWritePlan(original: ByteArray(original), edited: ByteArray(edited), layout: layout)
        #expect(plan.regions == [0xE000..<0xF000, 0x110000..<0x112000] && plan.byteCount == 3 * 0x1000)
        #expect(plan.dumpChip == .esp32 && plan.dumpFlashSize == 4 << 20)
        #expect(plan.refusals(device: DeviceInfo(chipName: "ESP32", flashSize: 4 << 20), editedSize: edited.count, originalSize: original.count).isEmpty)
        let r = plan.refusals(device: DeviceInfo(chipName: "ESP32-C3", flashSize: 2 << 20), editedSize: edited.count, originalSize: original.count)
        #expect(r.map(\.description) == ["chip ESP32-C3 on the port, ESP32 in the dump", "flash size 2MB on the device, 4MB in the dump"])
        #expect(FlashWritePlan.Refusal.flashSize(device: 4 << 20, dump: 2 << 20).description == "flash size 4MB on the device, 2MB in the dump")
        let small = plan.refusals(device: DeviceInfo(chipName: "ESP32", flashSize: 1 << 20), editedSize: 5, originalSize: 4)
        #expect(small.contains(.sizesDiffer(edited: 5, original: 4)) && small.contains(.regionPastFlash(end: 0x112000, flashSize: 1 << 20)))
    }
}
