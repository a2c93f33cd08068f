namespace CoopAgent.Agent.Household;

/// <summary>
/// The built-in kinds, one per line: <c>name | category | traits | synonyms | parents | price</c>.
/// A table rather than code so that a reader can check the attributes of a kind at a glance.
/// </summary>
internal static class OntologyData
{
    internal const string Kinds = """
        # general kinds that other kinds are one of (they resolve words like "a drink" or "some fruit")
        thing        | Misc       |                                   | object, item, stuff |  |
        drink        | Drink      | drinkable,liquid                  | beverage, something to drink, refreshment | |
        food         | Food       | edible                            | something to eat, grub, bite | |
        meal         | Meal       | edible                            | dinner, lunch, breakfast, supper, hot meal, dish of food, takeaway, takeout, take-out | food |
        snack        | Snack      | edible,snack                      | nibbles, treat | food |
        fruit        | Fruit      | edible,fruit                      | piece of fruit | food |
        vegetable    | Vegetable  | edible,cookable,vegetable         | veg, veggie | food |
        ingredient   | Ingredient | edible,cookable                   |  | food |
        soda         | Drink      | drinkable,liquid,sugary,carbonated | pop, soft drink, fizzy drink, fizzy pop, soda pop | drink | 2
        hot drink    | Drink      | drinkable,liquid,hot              | hot beverage, warm drink | drink |
        alcohol      | Drink      | drinkable,liquid,alcoholic        | booze, alcoholic drink, liquor | drink |
        tableware    | Tableware  | utensil                           | dish, dishes, crockery | |
        cookware     | Cookware   | utensil                           | pots and pans | |
        utensil      | Tableware  | utensil                           | cutlery, silverware, flatware | |
        tool         | Tool       |                                   | tools | |
        toy          | Toy        | toy                               | plaything | |
        appliance    | Appliance  | appliance,fixed                   | machine | |
        cleaning product | Cleaning | cleaning                         | cleaner, cleaning stuff, cleaning supplies | |
        valuable     | Valuable   | valuable                          | valuables | |
        furniture    | Furniture  | fixed                             |  | |
        animal       | Animal     | living                            | creature | |
        pet          | Animal     | living,pet                        |  | animal |
        # drinks
        water        | Drink | drinkable,liquid                       | tap water, glass of water, bottled water, bottle of water, still water | drink | 1
        sparkling water | Drink | drinkable,liquid,carbonated         | fizzy water, soda water, seltzer, mineral water, club soda | drink | 1
        coffee       | Drink | drinkable,liquid,caffeinated,hot      | cup of coffee, brew, americano, instant coffee, ground coffee, coffee beans, filter coffee | hot drink | 3
        espresso     | Drink | drinkable,liquid,caffeinated,hot      | shot of espresso | coffee | 3
        cappuccino   | Drink | drinkable,liquid,caffeinated,hot,dairy | | coffee | 4
        latte        | Drink | drinkable,liquid,caffeinated,hot,dairy | cafe latte, flat white | coffee | 4
        decaf coffee | Drink | drinkable,liquid,hot                  | decaf, decaffeinated coffee | hot drink | 3
        iced coffee  | Drink | drinkable,liquid,caffeinated,dairy    | cold brew | coffee | 4
        tea          | Drink | drinkable,liquid,caffeinated,hot      | cup of tea, cuppa, black tea, builder's tea, tea bag, teabag, earl grey | hot drink | 2
        green tea    | Drink | drinkable,liquid,caffeinated,hot      | | tea | 2
        herbal tea   | Drink | drinkable,liquid,hot                  | chamomile, chamomile tea, peppermint tea, mint tea, tisane, rooibos | hot drink | 2
        iced tea     | Drink | drinkable,liquid,caffeinated,sugary   | ice tea | drink | 2
        hot chocolate | Drink | drinkable,liquid,hot,sugary,dairy    | cocoa, hot cocoa, drinking chocolate | hot drink | 3
        milk         | Drink | drinkable,liquid,dairy                | glass of milk, whole milk, carton of milk, semi-skimmed milk | drink | 1
        oat milk     | Drink | drinkable,liquid                      | plant milk, almond milk, soy milk | drink | 2
        orange juice | Drink | drinkable,liquid,sugary               | oj, juice of oranges | juice | 2
        apple juice  | Drink | drinkable,liquid,sugary               | | juice | 2
        juice        | Drink | drinkable,liquid,sugary               | fruit juice, juice box, carton of juice | drink | 2
        smoothie     | Drink | drinkable,liquid,sugary,fruit         | | drink | 4
        lemonade     | Drink | drinkable,liquid,sugary,carbonated    | lemon soda | soda | 2
        cola         | Drink | drinkable,liquid,sugary,carbonated,caffeinated | coke, coca-cola, coca cola, pepsi, cola drink | soda | 2
        diet cola    | Drink | drinkable,liquid,carbonated,caffeinated | diet coke, coke zero, pepsi max, sugar-free cola | soda | 2
        ginger ale   | Drink | drinkable,liquid,sugary,carbonated    | ginger beer | soda | 2
        root beer    | Drink | drinkable,liquid,sugary,carbonated    | | soda | 2
        orange soda  | Drink | drinkable,liquid,sugary,carbonated    | fanta, orangeade | soda | 2
        energy drink | Drink | drinkable,liquid,sugary,carbonated,caffeinated | red bull, monster, energy | drink | 3
        sports drink | Drink | drinkable,liquid,sugary               | gatorade, isotonic drink | drink | 2
        beer         | Drink | drinkable,liquid,alcoholic,carbonated | lager, ale, pint, bottle of beer | alcohol | 3
        wine         | Drink | drinkable,liquid,alcoholic            | glass of wine, vino | alcohol | 8
        red wine     | Drink | drinkable,liquid,alcoholic            | claret, merlot | wine | 8
        white wine   | Drink | drinkable,liquid,alcoholic            | chardonnay, sauvignon | wine | 8
        whisky       | Drink | drinkable,liquid,alcoholic            | whiskey, scotch, bourbon | alcohol | 20
        cider        | Drink | drinkable,liquid,alcoholic,carbonated | hard cider | alcohol | 3
        # fruit
        apple        | Fruit | edible,fruit                          | | fruit | 1
        banana       | Fruit | edible,fruit                          | | fruit | 1
        orange       | Fruit | edible,fruit                          | clementine, satsuma, mandarin, tangerine | fruit | 1
        lemon        | Fruit | edible,fruit                          | | fruit | 1
        lime         | Fruit | edible,fruit                          | | fruit | 1
        pear         | Fruit | edible,fruit                          | | fruit | 1
        grapes       | Fruit | edible,fruit                          | grape, bunch of grapes | fruit | 2
        strawberry   | Fruit | edible,fruit                          | strawberries | fruit | 2
        peach        | Fruit | edible,fruit                          | nectarine | fruit | 1
        mango        | Fruit | edible,fruit                          | | fruit | 2
        pineapple    | Fruit | edible,fruit                          | | fruit | 2
        watermelon   | Fruit | edible,fruit                          | melon | fruit | 3
        kiwi         | Fruit | edible,fruit                          | kiwifruit | fruit | 1
        avocado      | Fruit | edible,fruit                          | | fruit | 2
        # vegetables and ingredients
        carrot       | Vegetable | edible,cookable,vegetable         | | vegetable | 1
        potato       | Vegetable | cookable,vegetable,raw            | spud | vegetable | 1
        tomato       | Vegetable | edible,cookable,vegetable         | | vegetable | 1
        onion        | Vegetable | cookable,vegetable,raw            | | vegetable | 1
        broccoli     | Vegetable | edible,cookable,vegetable         | | vegetable | 1
        lettuce      | Vegetable | edible,vegetable                  | salad leaves | vegetable | 1
        cucumber     | Vegetable | edible,vegetable                  | | vegetable | 1
        pepper       | Vegetable | edible,cookable,vegetable         | bell pepper, capsicum | vegetable | 1
        chili        | Vegetable | edible,cookable,vegetable,spicy   | chilli, chili pepper, hot pepper | vegetable | 1
        mushroom     | Vegetable | cookable,vegetable,raw            | | vegetable | 1
        egg          | Ingredient | edible,cookable,raw              | raw egg | ingredient | 1
        bread        | Food | edible,cookable                       | loaf, slice of bread, toast | food | 2
        rice         | Ingredient | edible,cookable,raw              | bag of rice | ingredient | 2
        pasta        | Ingredient | edible,cookable,raw              | spaghetti, noodles, penne, macaroni | ingredient | 2
        flour        | Ingredient | cookable,raw                     | | ingredient | 1
        sugar        | Ingredient | edible,sugary                    | | ingredient | 1
        salt         | Ingredient | edible                           | | ingredient | 1
        olive oil    | Ingredient | liquid,cookable                  | cooking oil, oil | ingredient | 4
        butter       | Ingredient | edible,dairy                     | | ingredient | 2
        cheese       | Food | edible,dairy                          | cheddar, slice of cheese | food | 3
        yogurt       | Food | edible,dairy                          | yoghurt | food | 1
        cereal       | Food | edible,sugary                         | cornflakes, muesli, granola, bowl of cereal | food | 3
        oatmeal      | Food | edible,cookable,raw                   | porridge, oats | food | 2
        chicken      | Ingredient | edible,cookable,raw,meat         | raw chicken, chicken breast | ingredient | 5
        beef         | Ingredient | edible,cookable,raw,meat         | steak, mince, minced beef | ingredient | 6
        fish         | Ingredient | edible,cookable,raw              | salmon, cod, fish fillet | ingredient | 6
        ham          | Food | edible,meat                           | | food | 3
        sausage      | Ingredient | edible,cookable,raw,meat         | sausages, hot dog | ingredient | 3
        bacon        | Ingredient | edible,cookable,raw,meat         | | ingredient | 3
        tofu         | Ingredient | edible,cookable                  | | ingredient | 3
        beans        | Food | edible,cookable                       | baked beans, tin of beans, can of beans | food | 1
        soup         | Food | edible,cookable                       | tin of soup, can of soup | food | 2
        honey        | Ingredient | edible,sugary                    | | ingredient | 3
        jam          | Ingredient | edible,sugary                    | jelly, marmalade | ingredient | 2
        peanut butter | Ingredient | edible,nuts                     | | ingredient | 3
        # meals and dishes
        pizza        | Meal | edible,cookable,dairy                 | frozen pizza, slice of pizza | meal | 12
        sandwich     | Meal | edible                                | sarnie, sub, toastie | meal | 6
        salad        | Meal | edible,vegetable                      | | meal | 8
        omelette     | Meal | edible,hot                            | omelet, scrambled eggs, fried egg | meal | 6
        burger       | Meal | edible,meat                           | hamburger, cheeseburger | meal | 10
        curry        | Meal | edible,spicy,hot                      | | meal | 12
        sushi        | Meal | edible                                | | meal | 15
        noodle soup  | Meal | edible,hot                            | ramen, pho | meal | 10
        leftovers    | Meal | edible,cookable                       | leftover, last night's dinner | meal | 0
        baby food    | Meal | edible                                | puree, jar of baby food | meal | 2
        # snacks
        chips        | Snack | edible,snack                         | crisps, potato chips, bag of chips | snack | 2
        cookie       | Snack | edible,snack,sugary                  | biscuit, cookies, biscuits | snack | 1
        chocolate    | Snack | edible,snack,sugary,caffeinated      | chocolate bar, candy bar, choc | snack | 2
        candy        | Snack | edible,snack,sugary                  | sweets, lollipop, gummy bears | snack | 1
        nuts         | Snack | edible,snack,nuts                    | peanuts, almonds, cashews, mixed nuts | snack | 3
        popcorn      | Snack | edible,snack                         | | snack | 2
        crackers     | Snack | edible,snack                         | cracker, rice cakes | snack | 2
        granola bar  | Snack | edible,snack,sugary                  | cereal bar, protein bar | snack | 2
        cake         | Snack | edible,snack,sugary,dairy            | slice of cake, cupcake, muffin | snack | 4
        ice cream    | Snack | edible,snack,sugary,dairy            | ice-cream, gelato | snack | 4
        # tableware and cookware
        cup          | Tableware | utensil,vessel,fragile           | teacup | tableware |
        mug          | Tableware | utensil,vessel,fragile           | coffee mug | cup |
        glass        | Tableware | utensil,vessel,fragile           | tumbler, drinking glass, wine glass | tableware |
        bottle       | Tableware | utensil,vessel                   | water bottle, flask, thermos | tableware |
        sippy cup    | Tableware | utensil,vessel                   | beaker, toddler cup | cup |
        plate        | Tableware | utensil,vessel,fragile           | dinner plate | tableware |
        bowl         | Tableware | utensil,vessel,fragile           | cereal bowl, fruit bowl | tableware |
        fork         | Tableware | utensil                          | | utensil |
        spoon        | Tableware | utensil                          | teaspoon, tablespoon | utensil |
        knife        | Tableware | utensil,sharp                    | kitchen knife, chef's knife, carving knife, blade, bread knife | utensil |
        butter knife | Tableware | utensil                          | table knife | utensil |
        chopsticks   | Tableware | utensil                          | | utensil |
        pot          | Cookware | utensil,vessel                    | saucepan, stock pot | cookware |
        pan          | Cookware | utensil                           | frying pan, skillet, wok | cookware |
        baking tray  | Cookware | utensil                           | baking sheet, oven tray | cookware |
        cutting board | Cookware | utensil                          | chopping board | cookware |
        scissors     | Tool | sharp                                 | shears | tool |
        # cleaning
        sponge       | Cleaning | cleaning                          | scrubber, dish sponge | cleaning product |
        cloth        | Cleaning | cleaning                          | rag, dishcloth, wipe, towel | cleaning product |
        dish soap    | Cleaning | cleaning,liquid                   | washing-up liquid, detergent, dishwashing liquid | cleaning product |
        bleach       | Cleaning | cleaning,liquid,hazardous         | | cleaning product |
        spray cleaner | Cleaning | cleaning,liquid,hazardous        | surface spray, all-purpose cleaner, disinfectant | cleaning product |
        laundry detergent | Cleaning | cleaning,liquid,hazardous    | washing powder, laundry pods, detergent pods | cleaning product |
        broom        | Cleaning | cleaning                          | brush | cleaning product |
        mop          | Cleaning | cleaning                          | | cleaning product |
        vacuum cleaner | Appliance | cleaning,appliance             | vacuum, hoover | appliance |
        trash bag    | Cleaning | cleaning                          | bin bag, garbage bag, rubbish bag | cleaning product |
        # tools and hazards
        hammer       | Tool |                                       | | tool |
        screwdriver  | Tool | sharp                                 | | tool |
        drill        | Tool | hazardous                             | power drill | tool |
        saw          | Tool | sharp,hazardous                       | | tool |
        tape         | Tool |                                       | duct tape, sellotape | tool |
        flashlight   | Tool |                                       | torch | tool |
        batteries    | Tool | hazardous                             | battery, button battery | tool |
        lighter      | Tool | hazardous                             | matches, box of matches | tool |
        candle       | Misc | hazardous                             | | thing |
        medicine     | Medicine | hazardous                         | pills, tablets, painkillers, paracetamol, ibuprofen, aspirin | thing |
        vitamins     | Medicine |                                   | vitamin pills | thing |
        # appliances (fixed ones are built in; small ones can be carried)
        fridge       | Appliance | appliance,fixed,container,closable        | refrigerator, icebox | appliance |
        freezer      | Appliance | appliance,fixed,container,closable        | deep freeze | appliance |
        stove        | Appliance | appliance,fixed,heat_source      | cooker, hob, cooktop, range, stovetop | appliance |
        oven         | Appliance | appliance,fixed,heat_source,container,closable | | appliance |
        microwave    | Appliance | appliance,fixed,heat_source,container,closable | microwave oven | appliance |
        kettle       | Appliance | appliance,heat_source             | electric kettle | appliance |
        toaster      | Appliance | appliance,heat_source             | | appliance |
        coffee machine | Appliance | appliance,heat_source           | coffee maker, espresso machine | appliance |
        dishwasher   | Appliance | appliance,fixed,container,closable         | | appliance |
        washing machine | Appliance | appliance,fixed,container,closable      | washer | appliance |
        blender      | Appliance | appliance,sharp                   | food processor | appliance |
        television   | Appliance | appliance,valuable,fragile        | tv, telly | appliance |
        # furniture and storage
        cupboard     | Furniture | fixed,container,closable                  | cabinet, kitchen cabinet, pantry, larder | furniture |
        drawer       | Furniture | fixed,container,closable                  | kitchen drawer | furniture |
        shelf        | Furniture | fixed,container                  | shelves, bookshelf, bookcase | furniture |
        table        | Furniture | fixed,container                  | kitchen table, dining table, coffee table, desk | furniture |
        counter      | Furniture | fixed,container                  | worktop, countertop, kitchen counter | furniture |
        sofa         | Furniture | fixed,container                  | couch, settee | furniture |
        bed          | Furniture | fixed,container                  | | furniture |
        chair        | Furniture | fixed                             | stool, armchair | furniture |
        sink         | Furniture | fixed,container                  | | furniture |
        wardrobe     | Furniture | fixed,container,closable                  | closet | furniture |
        toy box      | Furniture | container,closable                        | toy chest | furniture |
        box          | Misc | container,closable                             | cardboard box, crate | thing |
        basket       | Misc | container                             | laundry basket | thing |
        bin          | Furniture | container                        | trash can, garbage can, rubbish bin, wastebasket, dustbin | furniture |
        lunchbox     | Misc | container,closable                             | lunch box | thing |
        # valuables and personal things
        phone        | Valuable | valuable,fragile                  | mobile, smartphone, cell phone, cellphone, iphone | valuable |
        laptop       | Valuable | valuable,fragile                  | computer, notebook computer | valuable |
        tablet       | Valuable | valuable,fragile                  | ipad | valuable |
        wallet       | Valuable | valuable                          | purse | valuable |
        keys         | Valuable | valuable                          | key, car keys, house keys, keyring | valuable |
        watch        | Valuable | valuable                          | wristwatch | valuable |
        ring         | Valuable | valuable                          | wedding ring, engagement ring | valuable |
        glasses      | Valuable | valuable,fragile                  | spectacles, reading glasses, specs, sunglasses | valuable |
        vase         | Valuable | valuable,fragile                  | vase of flowers, flower vase | valuable |
        passport     | Valuable | valuable                          | | valuable |
        book         | Misc |                                       | novel, paperback | thing |
        newspaper    | Misc |                                       | magazine, comic | thing |
        remote       | Misc |                                       | remote control, tv remote, clicker | thing |
        charger      | Misc |                                       | phone charger, cable | thing |
        plant        | Plant | living,fragile                       | houseplant, pot plant, flowers | thing |
        # clothing
        jacket       | Clothing |                                   | coat, jumper, sweater, hoodie | thing |
        shoes        | Clothing |                                   | shoe, trainers, sneakers, boots, slippers | thing |
        socks        | Clothing |                                   | sock | thing |
        blanket      | Clothing |                                   | throw, duvet | thing |
        # toys
        teddy bear   | Toy | toy                                    | teddy, stuffed animal, plushie, soft toy | toy |
        ball         | Toy | toy                                    | football, tennis ball | toy |
        doll         | Toy | toy                                    | action figure | toy |
        toy car      | Toy | toy                                    | toy truck, toy train | toy |
        blocks       | Toy | toy                                    | building blocks, lego, legos, bricks | toy |
        puzzle       | Toy | toy                                    | jigsaw | toy |
        crayons      | Toy | toy                                    | crayon, colouring pencils, markers | toy |
        board game   | Toy | toy                                    | game | toy |
        picture book | Toy | toy                                    | storybook, children's book | book |
        # more drinks
        cordial      | Drink | drinkable,liquid,sugary               | squash, fruit squash | juice | 1
        milkshake    | Drink | drinkable,liquid,sugary,dairy         | shake | drink | 4
        chai         | Drink | drinkable,liquid,caffeinated,hot,dairy | chai latte | tea | 3
        matcha       | Drink | drinkable,liquid,caffeinated,hot      | matcha latte | green tea | 4
        mocha        | Drink | drinkable,liquid,caffeinated,hot,dairy,sugary | | coffee | 4
        kombucha     | Drink | drinkable,liquid,carbonated           | | drink | 4
        tonic water  | Drink | drinkable,liquid,carbonated,sugary    | tonic | soda | 2
        coconut water | Drink | drinkable,liquid                     | | drink | 3
        champagne    | Drink | drinkable,liquid,alcoholic,carbonated | prosecco, sparkling wine, cava, bubbly | wine | 15
        spirits      | Drink | drinkable,liquid,alcoholic            | vodka, gin, rum, tequila, brandy, liqueur | alcohol | 18
        baby formula | Drink | drinkable,liquid,dairy                | formula, baby milk, infant formula | milk | 3
        ice          | Ingredient | edible                           | ice cubes, ice cube | ingredient |
        # condiments and more food
        fries        | Meal | edible,hot                             | french fries | meal | 4
        ketchup      | Ingredient | edible,sugary                    | tomato sauce | ingredient | 2
        mayonnaise   | Ingredient | edible                           | mayo | ingredient | 2
        mustard      | Ingredient | edible,spicy                     | | ingredient | 2
        soy sauce    | Ingredient | edible                           | | ingredient | 2
        vinegar      | Ingredient | liquid                           | | ingredient | 1
        spices       | Ingredient | edible,spicy                     | herbs, seasoning, paprika, cinnamon | ingredient | 2
        garlic       | Vegetable | cookable,vegetable,raw            | | vegetable | 1
        ginger       | Vegetable | edible,cookable,vegetable,spicy   | ginger root | vegetable | 1
        # more kitchen things
        teapot       | Tableware | utensil,vessel,fragile           | | tableware |
        jug          | Tableware | utensil,vessel                   | pitcher, carafe | tableware |
        cafetiere    | Cookware | utensil,vessel                    | french press, coffee pot | cookware |
        tray         | Tableware | utensil,container                | serving tray | tableware |
        straw        | Tableware | utensil                          | drinking straw | utensil |
        napkin       | Tableware |                                  | serviette | tableware |
        can opener   | Cookware | utensil                           | tin opener | cookware |
        corkscrew    | Cookware | utensil,sharp                     | bottle opener | cookware |
        grater       | Cookware | utensil,sharp                     | cheese grater | cookware |
        peeler       | Cookware | utensil,sharp                     | potato peeler | cookware |
        whisk        | Cookware | utensil                           | | cookware |
        ladle        | Cookware | utensil                           | | cookware |
        spatula      | Cookware | utensil                           | fish slice | cookware |
        colander     | Cookware | utensil,container                 | sieve, strainer | cookware |
        tongs        | Cookware | utensil                           | | cookware |
        rolling pin  | Cookware | utensil                           | | cookware |
        oven gloves  | Cookware | utensil                           | oven mitts, oven glove, oven mitt, pot holder | cookware |
        lid          | Cookware | utensil                           | pot lid | cookware |
        apron        | Clothing |                                   | | thing |
        # bathroom and household
        toothbrush   | Misc |                                       | | thing |
        hairbrush    | Misc |                                       | hair brush, comb | thing |
        toothpaste   | Misc |                                       | | thing |
        soap         | Cleaning | cleaning                          | hand soap, bar of soap, hand wash | cleaning product |
        shampoo      | Misc | liquid                                | conditioner, shower gel, body wash | thing |
        tissues      | Misc |                                       | tissue, kleenex, box of tissues | thing |
        toilet paper | Misc |                                       | toilet roll, loo roll | thing |
        kitchen roll | Cleaning | cleaning                          | paper towels, paper towel | cleaning product |
        pillow       | Misc |                                       | cushion | thing |
        lamp         | Appliance | appliance,fragile                | desk lamp, reading lamp, lamp shade | appliance |
        umbrella     | Misc |                                       | brolly | thing |
        bag          | Misc | container                             | backpack, rucksack, school bag, handbag, tote bag, shopping bag | thing |
        rug          | Furniture |                                  | mat, carpet, doormat | furniture |
        door         | Furniture | fixed                            | front door, back door | furniture |
        window       | Furniture | fixed,fragile                    | | furniture |
        # medicine and first aid
        sunscreen    | Medicine |                                   | sun cream, suncream, sunblock | thing |
        plaster      | Medicine |                                   | band-aid, bandage, first aid kit | thing |
        thermometer  | Medicine | fragile                           | | thing |
        inhaler      | Medicine |                                   | | thing |
        epipen       | Medicine |                                   | epi-pen, adrenaline pen | thing |
        insulin      | Medicine | hazardous                         | insulin pen | thing |
        # electronics
        headphones   | Valuable | valuable,fragile                  | earphones, earbuds, airpods, headset | valuable |
        game console | Valuable | valuable,fragile                  | games console, playstation, xbox, nintendo | valuable |
        game controller | Toy | toy                                 | controller, joystick, gamepad | toy |
        camera       | Valuable | valuable,fragile                  | | valuable |
        # babies
        nappy        | Misc |                                       | diaper | thing |
        dummy        | Toy | toy                                    | pacifier, soother | toy |
        rattle       | Toy | toy                                    | | toy |
        baby bottle  | Tableware | utensil,vessel                   | feeding bottle | bottle |
        pram         | Furniture | container                        | stroller, pushchair, buggy | furniture |
        cot          | Furniture | fixed,container                  | crib, cradle | furniture |
        # pets' things (not food for people)
        pet food     | Food |                                       | dog food, cat food, kibble, bird seed, fish food | thing | 3
        leash        | Misc |                                       | lead, dog lead | thing |
        litter box   | Misc | container                             | litter tray, cat litter | thing |
        # paper and money
        pen          | Misc |                                       | biro, ballpoint | thing |
        pencil       | Misc |                                       | | thing |
        notebook     | Misc |                                       | notepad, diary | thing |
        envelope     | Misc |                                       | letter, post, mail | thing |
        parcel       | Misc | container                             | package | thing |
        cash         | Valuable | valuable                          | money, coins, banknotes | valuable |
        credit card  | Valuable | valuable                          | bank card, debit card | valuable |
        # animals and people
        cat          | Animal | living,pet                          | kitty, kitten, pussycat, moggy | pet |
        dog          | Animal | living,pet                          | puppy, doggy, pup, hound | pet |
        hamster      | Animal | living,pet                          | gerbil, guinea pig | pet |
        rabbit       | Animal | living,pet                          | bunny | pet |
        parrot       | Animal | living,pet                          | bird, budgie, canary | pet |
        goldfish     | Animal | living,pet                          | fish tank | pet |
        person       | Person | living,person                       | someone, somebody, human | |
        adult        | Person | living,person                       | grown-up, parent, mum, dad, mom, mother, father | person |
        child        | Person | living,person,child                 | kid, boy, girl, son, daughter, toddler, baby, little one | person |
        """;
}
