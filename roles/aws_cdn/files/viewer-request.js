// CloudFront Function (cloudfront-js-2.0), viewer request. An S3 REST origin has no
// folder indexes (the default root object covers "/" only): send /x/ and /x to
// /x/index.html, so that sub-pages of a static build are found and a missing page
// stays a 404. Paths whose last segment has a dot are files and pass unchanged.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
  } else if (uri.lastIndexOf('.') <= uri.lastIndexOf('/')) {
    request.uri = uri + '/index.html';
  }
  return request;
}
