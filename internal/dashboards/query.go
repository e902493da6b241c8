package dashboards

import (
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
)

// Data source identities. The provisioning file
// deploy/observability/grafana/provisioning/datasources/datasources.yaml
// creates data sources with exactly these uids (checked by a test), so the
// dashboards need no data source variables.
const (
	PrometheusUID  = "ccdash-prometheus"
	PrometheusType = "prometheus"
	PostgresUID    = "ccdash-postgres"
	// Grafana ≥ 10.3 names the core PostgreSQL plugin this way.
	PostgresType = "grafana-postgresql-datasource"
)

// SQL result formats of the Grafana SQL data sources.
const (
	sqlTable      = "table"
	sqlTimeSeries = "time_series"
)

func ref(typ, uid string) common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr(typ), Uid: cog.ToPtr(uid)}
}

func promDS() common.DataSourceRef { return ref(PrometheusType, PrometheusUID) }
func sqlDS() common.DataSourceRef  { return ref(PostgresType, PostgresUID) }

// promRange is a PromQL range query (time series panels).
func promRange(refID, expr, legend string) cog.Builder[variants.Dataquery] {
	return prometheus.NewDataqueryBuilder().Datasource(promDS()).RefId(refID).
		Expr(expr).LegendFormat(legend).Range()
}

// promInstant is a PromQL instant query evaluated at the end of the
// dashboard's time range (stat, bar gauge and table panels).
func promInstant(refID, expr, legend string) cog.Builder[variants.Dataquery] {
	return prometheus.NewDataqueryBuilder().Datasource(promDS()).RefId(refID).
		Expr(expr).LegendFormat(legend).Instant().Format(prometheus.PromQueryFormatTable)
}

// sqlQuery is a raw SQL query for the PostgreSQL data source. The SDK has no
// typed builder for it, so the target is the plugin's JSON model.
func sqlQuery(refID, format, rawSQL string) cog.Builder[variants.Dataquery] {
	return variants.NewUnknownDataqueryBuilderFromObject(variants.UnknownDataquery{
		"refId":      refID,
		"datasource": map[string]any{"type": PostgresType, "uid": PostgresUID},
		"editorMode": "code",
		"format":     format,
		"rawQuery":   true,
		"rawSql":     dedent(rawSQL),
	})
}

// sqlCat joins SQL fragments (a shared CTE and a query) that are each
// indented for Go source, dedenting each one on its own.
func sqlCat(parts ...string) string {
	for i, p := range parts {
		parts[i] = dedent(p)
	}
	return strings.Join(parts, "\n")
}

// dedent trims the common indentation of a Go raw string so the SQL reads
// well both here and in Grafana's editor.
func dedent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
		lines[i] = strings.TrimRight(lines[i], " \t")
	}
	return strings.Join(lines, "\n")
}
