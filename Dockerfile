# assessor for scheduled reports: reports go to the mounted /out, history to the mounted /history.
# Build stage: turn the source into a wheel (and its dependencies into wheels).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assessor ./assessor
COPY rules ./rules
COPY reports ./reports
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Final stage: no build tools, no source; a non-root user.
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 assessor \
    && mkdir -p /out /history \
    && chown 10001:10001 /out /history
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels "assessor==0.1.0" \
    && rm -rf /wheels
USER 10001
WORKDIR /out
ENV ASSESSOR_HISTORY=/history/history.sqlite
VOLUME ["/out", "/history"]
ENTRYPOINT ["assessor"]
CMD ["--help"]
