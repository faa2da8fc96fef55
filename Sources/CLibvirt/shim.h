// libvirt's C API for the LibvirtHypervisor driver (Debian: libvirt-dev; pkg-config: libvirt).
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
