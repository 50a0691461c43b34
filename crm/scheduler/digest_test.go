package scheduler

import "testing"

// The expected digests are recorded by Pacemaker's executor in the corpus
// test bug-5025-3 (op-digest of resources B and A and of A's monitor).
func TestParamsDigest(t *testing.T) {
	for _, tc := range []struct {
		params map[string]string
		want   string
	}{
		{nil, "f2317cad3d54cec5d7d7aa7d0bf35cf8"},
		{map[string]string{"target-role": "started", "allow-migrate": "1"}, "0b5322da6efb57820fe216d34ecdf019"},
		{map[string]string{"target-role": "started", "allow-migrate": "1", "CRM_meta_timeout": "60000"}, "3ba7033408f060fda2110942d128d6e6"},
	} {
		if got := paramsDigest(tc.params); got != tc.want {
			t.Errorf("paramsDigest(%v) = %s, want %s", tc.params, got, tc.want)
		}
	}
	if got := escapeAttr("a<b>&\"c\n"); got != "a&lt;b&gt;&amp;&quot;c&#x0A;" {
		t.Errorf("escapeAttr = %q", got)
	}
}
