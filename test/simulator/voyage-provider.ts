/** The simulated Voyage AI API, served under `/voyage/`: Nexus's `baseUrl` is `<simulator>/voyage`. */

import { jsonPayload } from "./payload.ts";
import { tableRoute, type SimulatedProvider } from "./simulated-provider.ts";
import { voyageErrorFor, voyageHeaders } from "./voyage-errors.ts";
import { handleVoyageEmbeddings } from "./voyage-embeddings.ts";

export const voyageProvider: SimulatedProvider = {
  prefix: "/voyage/",
  route: tableRoute({ "POST /voyage/v1/embeddings": handleVoyageEmbeddings }),
  // Voyage's error body carries no request id.
  responseHeaders: () => ({ requestId: null, headers: voyageHeaders() }),
  errorBody: (status) => voyageErrorFor(status),
  notFound: () => jsonPayload(404, voyageHeaders(), voyageErrorFor(404)),
};
