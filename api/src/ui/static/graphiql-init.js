// Start-up code for the GraphiQL page (`GET /graphql` from a browser). Served from our own
// origin so the page's Content-Security-Policy needs no inline script.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = root.getAttribute('data-endpoint');
  var wsPath = root.getAttribute('data-subscriptions-path');
  // Same host and port as the page; `wss:` when the page itself came over HTTPS.
  var wsUrl = (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + wsPath;
  var fetcher = GraphiQL.createFetcher({
    url: endpoint,
    // graphql-ws connects lazily: only when the first subscription is run.
    wsClient: graphqlWs.createClient({ url: wsUrl }),
  });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true })
  );
})();
