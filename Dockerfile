# syntax=docker/dockerfile:1
# Multi-stage build: a static faqbot binary on a distroless base, running as
# a non-root user. The corpus and the data (index, database) are volumes.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/faqbot ./cmd/faqbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/faqbot /usr/local/bin/faqbot
# /data holds the saved index (and, with issue 5's store, the database and
# the live corpus). Mount your documents at /corpus and set
# FAQBOT_CORPUS_DIR=/corpus to answer from them instead of the shipped set.
ENV FAQBOT_INDEX_DIR=/data/index \
    FAQBOT_DATA_DIR=/data \
    FAQBOT_HTTP_ADDR=:8080 \
    FAQBOT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/faqbot"]
CMD ["serve"]
