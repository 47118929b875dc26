/** Small DOM helpers. Text always goes through textContent, never innerHTML. */

export interface ElementProps {
  testId?: string
  className?: string
  text?: string
  attrs?: Record<string, string>
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (props.testId !== undefined) element.dataset['testid'] = props.testId
  if (props.className !== undefined) element.className = props.className
  if (props.text !== undefined) element.textContent = props.text
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value)
  element.append(...children)
  return element
}

/** The element with this data-testid in the static page; a missing one is a build error, so fail loudly. */
export function byTestId<T extends HTMLElement = HTMLElement>(testId: string, root: ParentNode = document): T {
  const element = root.querySelector<T>(`[data-testid="${testId}"]`)
  if (!element) throw new Error(`Element [data-testid="${testId}"] is missing from the page`)
  return element
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible
}

/** Shows a message in an alert element, or hides it when the message is null. */
export function setMessage(element: HTMLElement, message: string | null): void {
  element.textContent = message ?? ''
  element.hidden = message === null
}
