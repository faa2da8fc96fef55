// A vCenter simulator for the tests of the vCenter driver: govmomi's vcsim (the VPX model) served over
// TLS with the test's own certificate, fixed credentials, and a template `vs-template` to clone from.
// Built offline from Debian's govmomi sources by scripts/vcsim-setup.sh:
//
//	GO111MODULE=off GOPATH=<dir>:/usr/share/gocode go build -o vcsim .
//
// Runs until SIGTERM or SIGINT. Writes the SOAP endpoint's URL (https://127.0.0.1:PORT/sdk) to
// -url-file once it is listening AND the template exists, so the file's presence means "ready".
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	certFile := flag.String("cert", "", "server certificate (PEM)")
	keyFile := flag.String("key", "", "server private key (PEM)")
	urlFile := flag.String("url-file", "", "file to write the SDK URL to once ready")
	username := flag.String("username", "vsadmin", "the only user name Login accepts")
	password := flag.String("password", "vcsim-pass", "the only password Login accepts")
	flag.Parse()
	if *certFile == "" || *keyFile == "" {
		log.Fatal("vcsim: -cert and -key are required")
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("vcsim: %v", err)
	}

	// The default VPX inventory: DC0, cluster DC0_C0 (3 hosts) plus standalone host DC0_H0,
	// datastore LocalDS_0, network "VM Network", 2 powered-on VMs per resource pool.
	model := simulator.VPX()
	if err := model.Create(); err != nil {
		log.Fatalf("vcsim: %v", err)
	}
	defer model.Remove() // the datastores' temporary directories

	// SessionManager.Login compares against Service.Listen.User: with anything but the default
	// (user/pass, which means "any non-empty pair") only this exact pair logs in; other pairs get
	// an InvalidLogin fault. Listen.Host is where NewServer listens.
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	server := model.Service.NewServer()
	defer server.Close()

	if err := makeTemplate(server.URL); err != nil {
		log.Fatalf("vcsim: making the template: %v", err)
	}

	endpoint := *server.URL
	endpoint.User = nil
	fmt.Println(endpoint.String())
	if *urlFile != "" {
		// Written whole, then renamed: a reader never sees half a URL.
		if err := os.WriteFile(*urlFile+".tmp", []byte(endpoint.String()+"\n"), 0o644); err != nil {
			log.Fatalf("vcsim: %v", err)
		}
		if err := os.Rename(*urlFile+".tmp", *urlFile); err != nil {
			log.Fatalf("vcsim: %v", err)
		}
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
}

// makeTemplate clones the cluster's VM DC0_C0_RP0_VM0 into DC0's vmFolder as the template
// `vs-template` (inventory path /DC0/vm/vs-template), through the server's own SOAP API.
func makeTemplate(u *url.URL) error {
	ctx := context.Background()
	client, err := govmomi.NewClient(ctx, u, true) // u carries the credentials; our own server
	if err != nil {
		return err
	}
	defer client.Logout(ctx)

	finder := find.NewFinder(client.Client, false)
	dc, err := finder.Datacenter(ctx, "DC0")
	if err != nil {
		return err
	}
	finder.SetDatacenter(dc)
	folders, err := dc.Folders(ctx)
	if err != nil {
		return err
	}
	source, err := finder.VirtualMachine(ctx, "DC0_C0_RP0_VM0")
	if err != nil {
		return err
	}
	pool, err := finder.ResourcePool(ctx, "DC0_C0/Resources")
	if err != nil {
		return err
	}
	poolRef := pool.Reference()
	// vcsim's CloneVM needs a pool even for a template; Template: true marks the clone (created
	// powered off) as a template and clears its resource pool, as vCenter does.
	task, err := source.Clone(ctx, folders.VmFolder, "vs-template", types.VirtualMachineCloneSpec{
		Location: types.VirtualMachineRelocateSpec{Pool: &poolRef},
		Template: true,
	})
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}
