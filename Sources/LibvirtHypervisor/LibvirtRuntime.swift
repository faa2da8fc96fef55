#if LIBVIRT
import CLibvirt
import Foundation

/// What libvirt needs once per process, before the first connection: the library initialised, its
/// default error printer silenced (errors are read with `virGetLastError` and become
/// `HypervisorError`s; the printer would write every expected "domain not found" to stderr), and an
/// event loop on a thread of its own, which domain events and keepalives of remote connections need.
enum LibvirtRuntime {
    static let ready: Void = {
        virSetErrorFunc(nil, ignoreError)
        _ = virInitialize()
        _ = virEventRegisterDefaultImpl()
        let loop = Thread {
            while true { _ = virEventRunDefaultImpl() }
        }
        loop.name = "libvirt-events"
        loop.start()
    }()
}

/// The error handler that replaces libvirt's printer: does nothing.
private func ignoreError(_: UnsafeMutableRawPointer?, _: virErrorPtr?) {}
#endif
