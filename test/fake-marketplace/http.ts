export interface JsonResponse {
  status: number
  headers: Headers
  body: unknown
}

/** One JSON request to the fake, as a marketplace client or a control script would send it. */
export async function callJson(
  baseUrl: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}
): Promise<JsonResponse> {
  const hasBody = init.body !== undefined
  const response = await fetch(baseUrl + path, {
    method: init.method ?? (hasBody ? 'POST' : 'GET'),
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: hasBody ? JSON.stringify(init.body) : undefined
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined }
}
