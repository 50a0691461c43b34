package verify

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// doc wraps resources and constraints in a minimal CIB.
func doc(attrs, resources, constraints string) string {
	return `<cib ` + attrs + `><configuration><crm_config/><nodes><node id="1" uname="n1"/></nodes><resources>` +
		resources + `</resources><constraints>` + constraints + `</constraints></configuration><status/></cib>`
}

const dummy = `<primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>`

func TestBytes(t *testing.T) {
	tests := []struct {
		name string
		cib  string
		want string // substring of an error; "" for a valid CIB
	}{
		{"valid", doc(`epoch="3"`, dummy, ""), ""},
		{"unknown reference", doc("", dummy, `<rsc_order id="o" first="a" then="ghost"/>`), `resource "ghost" names no configured resource`},
		{"ordering loop", doc("", dummy+`<primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/>`,
			`<rsc_order id="o1" first="a" then="b"/><rsc_order id="o2" first="b" then="a"/>`), "form a loop"},
		{"duplicate id", doc("", dummy+dummy, ""), "used twice"},
		{"two roots", doc("", dummy, "") + `<cib/>`, "one root element"},
		{"not XML", `<cib`, "well-formed"},
		{"provider is a path", doc("", `<primitive id="a" class="ocf" provider="../../../.." type="Dummy"/>`, ""), `provider "../../../.." must be a name`},
		{"type is a path", doc("", `<primitive id="a" class="ocf" provider="heartbeat" type="tmp/evil.sh"/>`, ""), `type "tmp/evil.sh" must be a name`},
		{"provider dot-dot", doc("", `<primitive id="a" class="ocf" provider=".." type="Dummy"/>`, ""), `provider ".." is not a name`},
		{"systemd", doc("", `<primitive id="a" class="systemd" type="nginx"/>`, ""), `class "systemd": baton daemon runs only ocf and stonith`},
		{"lsb", doc("", `<primitive id="a" class="lsb" type="nginx"/>`, ""), `no executor for lsb`},
		{"service", doc("", `<primitive id="a" class="service" type="nginx"/>`, ""), `no executor for service`},
		{"stonith accepted", doc("", `<primitive id="f" class="stonith" type="fence_dummy"/>`, ""), ""},
		{"stonith plugin type", doc("", `<primitive id="f" class="stonith" type="external/ssh"/>`, ""), ""},
		{"stonith climbs out", doc("", `<primitive id="f" class="stonith" type="../../tmp/x"/>`, ""), `type "../../tmp/x" must name a fence agent`},
		{"lsb script path is unsupported, not a name error", doc("", `<primitive id="a" class="lsb" type="/etc/init.d/x"/>`, ""), `no executor for lsb`},
		{"epoch near int64 max", doc(`epoch="9223372036854775807"`, dummy, ""), `epoch "9223372036854775807" must be an integer from 0 to`},
		{"epoch negative", doc(`epoch="-1"`, dummy, ""), `epoch "-1" must be an integer`},
		{"admin_epoch not a number", doc(`admin_epoch="x"`, dummy, ""), `admin_epoch "x"`},
		{"num_updates beyond bound", doc(`num_updates="9007199254740992"`, dummy, ""), `num_updates`},
		{"epoch at bound", doc(`epoch="9007199254740991"`, dummy, ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Bytes([]byte(tt.cib))
			err := rep.Err()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("valid CIB rejected: %v", err)
				}
				if _, err := Parse([]byte(tt.cib)); err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if _, perr := Parse([]byte(tt.cib)); perr == nil || perr.Error() != err.Error() {
				t.Fatalf("Parse must refuse with the same errors: %v", perr)
			}
		})
	}
}

func TestWarningsAreNotErrors(t *testing.T) {
	rep := Bytes([]byte(doc("", dummy, `<rsc_order id="o" first="a" then="a2" kind="Sometimes"/>`)))
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), `unknown kind "Sometimes"`) {
		t.Errorf("warnings: %q", rep.Warnings)
	}
}

func TestSizeLimit(t *testing.T) {
	pad := strings.Repeat("<!-- padding padding padding -->\n", MaxSize/32)
	big := []byte(doc("", dummy, pad))
	if len(big) <= MaxSize {
		t.Fatalf("test CIB of %d bytes is not over the limit", len(big))
	}
	err := Bytes(big).Err()
	if err == nil || !strings.Contains(err.Error(), "Baton accepts CIBs up to 4194304 bytes") {
		t.Fatalf("oversized CIB: %v", err)
	}
	if _, err := Read(bytes.NewReader(big)); err == nil || !strings.Contains(err.Error(), "more than 4 MiB") {
		t.Fatalf("Read: %v", err)
	}
	var ve *Error
	if b, err := Read(strings.NewReader(doc("", dummy, ""))); err != nil || errors.As(Bytes(b).Err(), &ve) {
		t.Fatalf("small CIB: %v", err)
	}
}
