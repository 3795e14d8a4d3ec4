# Build the wheel in one stage; install only the wheel into a slim, non-root final stage.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assessor ./assessor
COPY rules ./rules
COPY reports ./reports
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 assessor
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER 10001
WORKDIR /out
VOLUME ["/out"]
ENTRYPOINT ["assessor"]
CMD ["--help"]
