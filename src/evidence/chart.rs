//! Charts of measured values (plotters' SVG backend, no system fonts): a line per series over
//! categories, e.g. a `max` per scenario of a series claim, one line per CPython. The bytes
//! depend only on the values, so a report's charts change only when its figures do.

use plotters::prelude::*;

/// One line of a chart: its name and a value per category (`None`: no point there).
pub struct Line {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// Colours that stay apart for the first lines and on grey paper.
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// An SVG chart: `categories` along x, `y_label` up y, a line and its points per entry of
/// `lines` with a legend. Categories keep their order; y starts at zero.
pub fn svg(title: &str, categories: &[String], y_label: &str, lines: &[Line]) -> Result<String, String> {
    let mut out = String::new();
    let top = lines.iter().flat_map(|l| l.values.iter().flatten()).fold(0f64, |a, &b| a.max(b));
    // Room above the highest point for the legend in the upper left corner.
    let top = if top <= 0.0 { 1.0 } else { top * (1.2 + 0.12 * lines.len() as f64) };
    let width = (160 + 110 * categories.len() as u32).clamp(420, 1600);
    {
        let root = SVGBackend::with_string(&mut out, (width, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let n = categories.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 15))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    categories.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(y_label)
            .y_label_formatter(&|y| if y.fract().abs() < 1e-9 { format!("{y:.0}") } else { format!("{y:.1}") })
            .draw()
            .map_err(|e| e.to_string())?;
        for (k, line) in lines.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            let points: Vec<(f64, f64)> =
                line.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i as f64, v))).collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(line.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, colour.filled()))).map_err(|e| e.to_string())?;
        }
        if !lines.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_draws_every_point_and_names_every_line() {
        let lines = vec![
            Line { name: "3.9".into(), values: vec![Some(5.0), Some(30.0), Some(30.0)] },
            Line { name: "3.12".into(), values: vec![Some(4.0), None, Some(12.0)] },
        ];
        let cats: Vec<String> = ["one", "two", "three"].iter().map(|s| s.to_string()).collect();
        let svg = svg("convoy", &cats, "ticks", &lines).expect("a chart");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert_eq!(svg.matches("<circle").count(), 5);
        for word in ["3.9", "3.12", "one", "three", "convoy", "ticks"] {
            assert!(svg.contains(word), "{word}");
        }
        assert_eq!(svg, super::svg("convoy", &cats, "ticks", &lines).unwrap(), "the same bytes each time");
    }
}
