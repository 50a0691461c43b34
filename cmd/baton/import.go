package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/baton-ha/baton/crm/heartbeat"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "convert another cluster manager's configuration to Baton's",
		Subcommands: []*cli.Command{{
			Name:  "heartbeat",
			Usage: "convert Heartbeat v1's ha.cf, haresources and authkeys into a CIB and baton.toml",
			Description: "Writes OUT-DIR/cib.xml, OUT-DIR/authkey (0600) and OUT-DIR/NODE/baton.toml for each node,\n" +
				"as Heartbeat 2's haresources2cib.py did for Pacemaker. Each haresources line becomes a group\n" +
				"preferring its node; drbddisk becomes a promotable ocf:baton:drbd clone the group runs with;\n" +
				"NFS server scripts become ocf:baton:nfsserver with ocf:baton:exportfs from --exports.\n" +
				"Warnings say what could not be carried over as it was. --pcs prints the same configuration as\n" +
				"pcs commands instead. docs/heartbeat.md has the details.",
			Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "ha-cf", Usage: "an ha.cf: `[NODE=]FILE`; give each node's, naming the node, so that ucast addresses can be assigned", Required: true},
				&cli.StringFlag{Name: "haresources", Usage: "the haresources `FILE`", Required: true},
				&cli.StringFlag{Name: "authkeys", Usage: "the authkeys `FILE`"},
				&cli.StringFlag{Name: "exports", Usage: "the NFS exports `FILE` (e.g. /etc/exports): one exportfs resource per client"},
				&cli.StringSliceFlag{Name: "scripts", Usage: "`DIR`s where haresources' scripts are looked up", Value: cli.NewStringSlice(heartbeat.DefaultScriptDirs...)},
				&cli.StringSliceFlag{Name: "address", Usage: "a node's address on a link ha.cf does not give: `NODE:IFACE=IP`"},
				&cli.BoolFlag{Name: "keep-authkeys", Usage: "carry a sha1/md5 secret over as Baton's key instead of generating a new one"},
				&cli.StringFlag{Name: "witness", Usage: "`HOST:PORT` of `baton witness` (quorum policy witness); without it, policy ignore as in Heartbeat"},
				&cli.StringFlag{Name: "cluster", Value: "baton", Usage: "the cluster's `NAME`"},
				&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "where to write the result (`DIR`, must not hold earlier output)"},
				&cli.StringFlag{Name: "cib-path", Value: "/etc/baton/cib.xml", Usage: "the CIB's `PATH` on the nodes, written into baton.toml"},
				&cli.StringFlag{Name: "key-path", Value: "/etc/baton/authkey", Usage: "the key's `PATH` on the nodes, written into baton.toml"},
				&cli.BoolFlag{Name: "pcs", Usage: "print the equivalent pcs commands (pcs -f cib.xml ...) instead of writing files"},
			},
			Action: runImportHeartbeat,
		}},
	}
}

func runImportHeartbeat(c *cli.Context) error {
	in, err := heartbeat.Load(heartbeat.Paths{HACF: c.StringSlice("ha-cf"), HAResources: c.String("haresources"),
		AuthKeys: c.String("authkeys"), Exports: c.String("exports"), Scripts: heartbeat.ScriptDirs(c.StringSlice("scripts"))})
	if err != nil {
		return cli.Exit(err.Error(), 2)
	}
	addrs, err := parseAddresses(c.StringSlice("address"))
	if err != nil {
		return cli.Exit(err.Error(), 2)
	}
	plan, err := heartbeat.Import(in, heartbeat.Options{Cluster: c.String("cluster"), KeepAuthKeys: c.Bool("keep-authkeys"),
		Addresses: addrs, Witness: c.String("witness"), CIBPath: c.String("cib-path"), KeyPath: c.String("key-path")})
	if err != nil {
		return cli.Exit(err.Error(), 2)
	}
	for _, w := range plan.Warnings {
		fmt.Fprintln(c.App.ErrWriter, "warning:", w)
	}
	if c.Bool("pcs") {
		fmt.Fprintln(c.App.Writer, "# The Heartbeat configuration as pcs commands. Start from an empty CIB:")
		fmt.Fprintln(c.App.Writer, "#   CIB_file=cib.xml cibadmin --empty > cib.xml")
		for _, argv := range plan.PcsCommands("cib.xml") {
			fmt.Fprintln(c.App.Writer, heartbeat.Quote(argv))
		}
		fmt.Fprintln(c.App.Writer, "# then: baton verify -x cib.xml; baton cib replace cib.xml (or cibadmin --replace --xml-file cib.xml)")
		return nil
	}
	for _, n := range plan.Notes {
		fmt.Fprintln(c.App.Writer, "note:", n)
	}
	written, err := plan.Write(c.String("out-dir"))
	if err != nil {
		return cli.Exit("write the result: "+err.Error(), 1)
	}
	fmt.Fprintln(c.App.Writer, "wrote:")
	for _, w := range written {
		fmt.Fprintln(c.App.Writer, "  "+w)
	}
	fmt.Fprintf(c.App.Writer, "next: baton verify -x %s; copy NODE/baton.toml to /etc/baton/baton.toml and the authkey (mode 0600) to %s on each node; baton daemon --check\n",
		written[0], c.String("key-path"))
	return nil
}

// parseAddresses reads NODE:IFACE=IP flags.
func parseAddresses(specs []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, s := range specs {
		left, ip, ok := strings.Cut(s, "=")
		node, ifc, ok2 := strings.Cut(left, ":")
		if !ok || !ok2 || node == "" || ifc == "" || ip == "" {
			return nil, fmt.Errorf("--address %q: want NODE:IFACE=IP", s)
		}
		if out[node] == nil {
			out[node] = map[string]string{}
		}
		out[node][ifc] = ip
	}
	return out, nil
}
