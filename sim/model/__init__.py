"""The model: parameters, rules, outcomes, the world of states, random streams and the facts they rest on."""
