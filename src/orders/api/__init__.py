"""The HTTP API: the route table and its thin handlers, the one error body, CORS, request ids,
rate limits and the generated OpenAPI document. Runtime-neutral: a host turns its own request
into `http.Request` and writes back `http.Response`."""
