package ocf

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseEnv(t *testing.T) {
	e := ParseEnv([]string{
		"OCF_ROOT=/usr/lib/ocf",
		"OCF_RESOURCE_INSTANCE=drbd:1",
		"OCF_RESOURCE_TYPE=drbd",
		"OCF_RESOURCE_PROVIDER=baton",
		"OCF_RESKEY_drbd_resource=r0",
		"OCF_RESKEY_CRM_meta_interval=10000",
		"OCF_RESKEY_CRM_meta_timeout=20000",
		"OCF_RESKEY_CRM_meta_clone=1",
		"OCF_RESKEY_CRM_meta_clone_max=2",
		"OCF_RESKEY_CRM_meta_clone_node_max=1",
		"OCF_RESKEY_CRM_meta_master_max=1",
		"OCF_RESKEY_CRM_meta_notify=true",
		"OCF_RESKEY_CRM_meta_globally_unique=false",
		"OCF_RESKEY_CRM_meta_on_node=nodea",
		"OCF_RESKEY_CRM_meta_role=Unpromoted",
		"OCF_CHECK_LEVEL=10",
		"OCF_RESKEY_CRM_meta_notify_type=pre",
		"OCF_RESKEY_CRM_meta_notify_operation=promote",
		"OCF_RESKEY_CRM_meta_notify_promote_resource=drbd:0 ",
		"OCF_RESKEY_CRM_meta_notify_promote_uname=nodeb ",
		"OCF_RESKEY_CRM_meta_notify_master_resource=",
		"OCF_RESKEY_CRM_meta_notify_slave_resource=drbd:0 drbd:1",
		"OCF_RESKEY_CRM_meta_notify_slave_uname=nodeb nodea",
		"NOT_OCF=1",
		"malformed",
	})
	if e.Instance != "drbd:1" || e.BaseInstance() != "drbd" || e.Type != "drbd" || e.Provider != "baton" {
		t.Errorf("identity: %+v", e)
	}
	if diff := cmp.Diff(map[string]string{"drbd_resource": "r0"}, e.Params); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	m := e.Meta
	if m.Interval != 10*time.Second || m.Timeout != 20*time.Second || m.Clone != 1 || m.CloneMax != 2 ||
		m.CloneNodeMax != 1 || m.PromotedMax != 1 || !m.Notify || m.GloballyUnique || m.OnNode != "nodea" || m.Role != "Unpromoted" {
		t.Errorf("meta: %+v", m)
	}
	if !m.IsClone() {
		t.Error("IsClone false for a clone instance")
	}
	if e.CheckLevel != 10 {
		t.Errorf("CheckLevel = %d", e.CheckLevel)
	}
	n := e.Notify
	if n.Type != "pre" || n.Operation != "promote" {
		t.Errorf("notify: %+v", n)
	}
	if diff := cmp.Diff([]Instance{{"drbd:0", "nodeb"}}, n.Promote); diff != "" {
		t.Errorf("promote (-want +got):\n%s", diff)
	}
	if len(n.Promoted) != 0 {
		t.Errorf("promoted = %v, want empty", n.Promoted)
	}
	if diff := cmp.Diff([]Instance{{"drbd:0", "nodeb"}, {"drbd:1", "nodea"}}, n.Unpromoted); diff != "" {
		t.Errorf("unpromoted from the old slave names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"nodeb", "nodea"}, Unames(n.Unpromoted)); diff != "" {
		t.Errorf("Unames: %s", diff)
	}
}

func TestParseEnvEmpty(t *testing.T) {
	e := ParseEnv(nil)
	if e.Meta.Clone != -1 || e.Meta.IsClone() || e.Meta.Interval != 0 || e.Root == "" || e.RscTmp == "" {
		t.Errorf("empty env: %+v", e)
	}
}

func TestPromotedNamesPreferred(t *testing.T) {
	e := ParseEnv([]string{
		"OCF_RESKEY_CRM_meta_promoted_max=2", "OCF_RESKEY_CRM_meta_master_max=1",
		"OCF_RESKEY_CRM_meta_notify_promoted_uname=a", "OCF_RESKEY_CRM_meta_notify_master_uname=b",
	})
	if e.Meta.PromotedMax != 2 {
		t.Errorf("PromotedMax = %d, want the new name's 2", e.Meta.PromotedMax)
	}
	if got := Unames(e.Notify.Promoted); len(got) != 1 || got[0] != "a" {
		t.Errorf("Promoted = %v, want [a]", got)
	}
}

func FuzzParseEnv(f *testing.F) {
	f.Add("OCF_RESKEY_CRM_meta_interval=10000\nOCF_RESKEY_CRM_meta_notify_start_resource=a b\nOCF_RESKEY_CRM_meta_notify_start_uname=x")
	f.Add("OCF_CHECK_LEVEL=abc\nOCF_RESKEY_CRM_meta_clone=-5")
	f.Fuzz(func(t *testing.T, s string) {
		e := ParseEnv(splitLines(s))
		_ = e.BaseInstance()
		_, _, _ = ResolveParams(testDecls, e.Params, e)
	})
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
