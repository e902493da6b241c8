package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/heatmap"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Panel shapes shared by the dashboards. Widths are in Grafana's 24-column
// grid; the dashboard builder flows panels left to right, top to bottom.

type target = cog.Builder[variants.Dataquery]

func statPanel(title, description, unit string, w uint32, targets ...target) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Title(title).Description(description).Unit(unit).
		Span(w).Height(4).
		ReduceOptions(reduceLast()).
		ColorMode(common.BigValueColorModeValue).
		GraphMode(common.BigValueGraphModeNone).
		Targets(targets)
}

func timeseriesPanel(title, description, unit string, w uint32, targets ...target) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Title(title).Description(description).Unit(unit).
		Span(w).Height(8).
		FillOpacity(10).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true)).
		Tooltip(tooltip(common.TooltipDisplayModeMulti)).
		Targets(targets)
}

func tablePanel(title, description string, w, h uint32, targets ...target) *table.PanelBuilder {
	return table.NewPanelBuilder().
		Title(title).Description(description).
		Span(w).Height(h).
		Targets(targets)
}

func barGaugePanel(title, description, unit string, w, h uint32, targets ...target) *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().
		Title(title).Description(description).Unit(unit).
		Span(w).Height(h).
		Orientation(common.VizOrientationHorizontal).
		DisplayMode(common.BarGaugeDisplayModeGradient).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false)).
		Targets(targets)
}

// tooltip sets the hover mode explicitly (the SDK leaves it empty).
func tooltip(mode common.TooltipDisplayMode) *common.VizTooltipOptionsBuilder {
	return common.NewVizTooltipOptionsBuilder().Mode(mode).Sort(common.SortOrderDescending)
}

// row starts a new section; the dashboard builder lays panels out below it.
func row(title string) *dashboard.RowBuilder { return dashboard.NewRowBuilder(title) }

// yesNo maps 1/0 to readable states for boolean stats.
func yesNo() []dashboard.ValueMapping {
	return []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{
		Type: dashboard.MappingTypeValueToText,
		Options: map[string]dashboard.ValueMappingResult{
			"0": {Text: cog.ToPtr("no"), Color: cog.ToPtr("orange")},
			"1": {Text: cog.ToPtr("yes"), Color: cog.ToPtr("green")},
		},
	}}}
}

// heatmapPanel shows pre-bucketed series as rows (one row per series), not
// a histogram Grafana calculates: the SQL already counts per interval.
func heatmapPanel(title, description string, w, h uint32, targets ...target) *heatmap.PanelBuilder {
	return heatmap.NewPanelBuilder().
		Title(title).Description(description).
		Span(w).Height(h).
		Calculate(false).
		RowsFrame(heatmap.NewRowsHeatmapOptionsBuilder().Value("failures").Layout(common.HeatmapCellLayoutUnknown)).
		Color(heatmap.NewHeatmapColorOptionsBuilder().
			Mode(heatmap.HeatmapColorModeScheme).
			Scheme("Oranges").
			Scale(heatmap.HeatmapColorScaleExponential).
			Exponent(0.5).
			Steps(64)).
		CellValues(heatmap.NewCellValuesBuilder().Unit("none")).
		ShowValue(common.VisibilityModeAuto).
		Tooltip(heatmap.NewHeatmapTooltipBuilder().Mode(common.TooltipDisplayModeSingle).ShowColorScale(true)).
		Targets(targets)
}
