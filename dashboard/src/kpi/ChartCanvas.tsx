/** A Chart.js chart on a canvas: made once per chart type, its data and options replaced when they change. */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js'
import { useEffect, useRef } from 'preact/hooks'

// Only what the KPI page draws, so the bundle carries only these parts of Chart.js.
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
)

interface Props {
  config: ChartConfiguration
  /** What the chart shows, for screen readers (the CSV export has the numbers). */
  label: string
  testId: string
}

export function ChartCanvas({ config, label, testId }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null)
  const chart = useRef<Chart | null>(null)

  useEffect(() => {
    if (!canvas.current) return
    const created = new Chart(canvas.current, config)
    chart.current = created
    return () => {
      created.destroy()
      chart.current = null
    }
  }, [config.type])

  useEffect(() => {
    const current = chart.current
    if (!current) return
    current.data = config.data
    if (config.options) current.options = config.options
    current.update('none')
  }, [config])

  return (
    <div class="kpi-chart__canvas">
      <canvas ref={canvas} role="img" aria-label={label} data-testid={testId} />
    </div>
  )
}
