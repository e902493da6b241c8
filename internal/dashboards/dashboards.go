package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Dashboard is one generated dashboard and the file it is committed as.
type Dashboard struct {
	File  string // file name under deploy/observability/grafana/dashboards
	Model dashboard.Dashboard
}

// builders lists every shipped dashboard, in file order.
var builders = []func() *dashboard.DashboardBuilder{
	ingestion,
	costEfficiency,
	toolReliability,
	sessionComplexity,
	linkConfidence,
	nativeMetrics,
}

// All builds every shipped dashboard.
func All() ([]Dashboard, error) {
	out := make([]Dashboard, 0, len(builders))
	for _, b := range builders {
		d, err := b().Build()
		if err != nil {
			return nil, err
		}
		numberPanels(&d)
		out = append(out, Dashboard{File: *d.Uid + ".json", Model: d})
	}
	return out, nil
}

// Render is the committed form of a dashboard: indented JSON with a final
// newline.
func Render(d Dashboard) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // keep SQL's < and > readable in the files
	if err := enc.Encode(d.Model); err != nil {
		return nil, fmt.Errorf("dashboard %s: %w", d.File, err)
	}
	return buf.Bytes(), nil
}

// numberPanels gives panels stable ids in layout order, so regenerating
// yields identical files and Grafana links to panels (viewPanel=N) survive.
func numberPanels(d *dashboard.Dashboard) {
	id := uint32(1)
	for _, p := range d.Panels {
		switch {
		case p.Panel != nil:
			p.Panel.Id = cog.ToPtr(id)
			id++
		case p.RowPanel != nil:
			p.RowPanel.Id = id
			id++
			for i := range p.RowPanel.Panels {
				p.RowPanel.Panels[i].Id = cog.ToPtr(id)
				id++
			}
		}
	}
}

// base is the shared shape of every dashboard: uid, tags, refresh, UTC.
func base(uid, title, description, from string) *dashboard.DashboardBuilder {
	return dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags([]string{"ccdash", "claude-code"}).
		Refresh("1m").
		Time(from, "now").
		Timezone("browser").
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Readonly()
}

// modelVariable is the multi-select model filter. allValue ".*" lets PromQL
// use model=~"$model" and SQL use model ~ '^(${model:regex})$' for "All".
func modelVariable(query string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder("model").
		Label("Model").
		Datasource(promDS()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		Multi(true).
		IncludeAll(true).
		AllValue(".*").
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
}

// reduceLast makes stat panels show the last value of each series/field.
func reduceLast() *common.ReduceDataOptionsBuilder {
	return common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)
}
