/*
 Template variables for the Kafka 2.1 documentation pages.
 Placeholders in the text/x-handlebars-template scripts of a page are
 filled from this object when the page loads.
*/

// Define variables for doc templates
var context={
    "version": "21",
    "dotVersion": "2.1",
    "fullDotVersion": "2.1.0",
    "scalaVersion": "2.13"
};
