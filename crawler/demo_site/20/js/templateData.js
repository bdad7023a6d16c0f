/*
 Template variables for the Kafka 2.0 documentation pages.
 Placeholders in the text/x-handlebars-template scripts of a page are
 filled from this object when the page loads.
*/

// Define variables for doc templates
var context={
    "version": "20",
    "dotVersion": "2.0",
    "fullDotVersion": "2.0.0",
    "scalaVersion": "2.12"
};
